// A small chained storyboard for fault and poll tests: 2 × 6 s keeps each run to a few seconds.
// The title is in every prompt: tests on one stack must not reuse each other's outputs (reuse.ts)
// unless they mean to.
export const shortStoryboard = (title = 'Short test film', scenes = 2) => ({
  title,
  strategy: 'chain',
  model: 'ltx-2-fast',
  clip: { duration: 6, fps: 25 },
  scenes: Array.from({ length: scenes }, (_, i) => ({ name: `shot ${i + 1}`, prompt: `A lighthouse at dusk, shot ${i + 1}, waves rolling in (${title})` })),
});
