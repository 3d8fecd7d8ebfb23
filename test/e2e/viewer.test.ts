// The run viewer in a real browser (Debian's chromium through playwright-core; .ci/run installs it):
// paste a storyboard → live progress → the film plays; Regenerate scene remakes scene 2 of it; a slow run is canceled, then resumed; problems are
// shown at their fields. Each storyboard's prompts name its title: a repeated prompt would be
// answered from the first run's stored outputs (reuse by hash) instead of generated. A screenshot is kept in test-artifacts/ (git-ignored).
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startLocalStack, type LocalStack } from '../../local/stack';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const DEADLINE_MS = 30_000;

/** The slice of HTMLVideoElement used here (the tests compile without the DOM library). */
type Video = { muted: boolean; readyState: number; currentTime: number; play(): Promise<void>; pause(): void; addEventListener(type: string, listener: () => void): void };

let stack: LocalStack;
let browser: Browser;
let page: Page;
/** The first test's succeeded run, which the regenerate test starts from. */
let kiteRunId: string | null = null;
/** The cancel test's canceled run, which the resume test resumes. */
let slowRunId: string | null = null;

const storyboard = (title: string, scenes: number) => ({
  title,
  strategy: 'chain',
  clip: { duration: 6, fps: 25, resolution: '1080p', generateAudio: false },
  scenes: Array.from({ length: scenes }, (_, i) => ({ prompt: `A red kite over a winter beach, shot ${i + 1} (${title})` })),
});

async function paste(json: string) {
  await page.fill('#storyboard-json', json);
}

/** The run the page shows once it is not `previous` (a Resume or Regenerate moves the page to its new run). */
async function nextRunShown(previous: string) {
  const run = page.locator(`article.run:not([data-run-id="${previous}"])`);
  await run.waitFor({ timeout: DEADLINE_MS });
  return (await run.getAttribute('data-run-id'))!;
}

/** GET /runs/{id}'s manifest, as any API client sees it. */
async function manifestOf(runId: string) {
  const response = await fetch(`${stack.apiUrl}/runs/${runId}`, { headers: { accept: 'application/json' } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { manifest: { origin: unknown } }).manifest;
}

beforeAll(async () => {
  if (!hasChromium) return;
  stack = await startLocalStack({ retryIntervalMs: 5 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required'] });
  page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  await page.goto(`${stack.apiUrl}/`);
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe.skipIf(!hasChromium)('run viewer (skipped when chromium is not installed: apt-get install chromium, as .ci/run does)', () => {
  it('starts a pasted storyboard, shows steps turning stored live, and plays the film', async () => {
    await paste(JSON.stringify(storyboard('Viewer kite', 2)));
    await page.click('#start-storyboard');
    const run = page.locator('article.run');
    await run.waitFor({ timeout: DEADLINE_MS });
    const runId = await run.getAttribute('data-run-id');
    expect(runId).toMatch(/viewer-kite/);
    kiteRunId = runId;
    // Live: a scene is seen generating, then stored, without reloading the page.
    await page.locator('[data-step="scene-2"][data-status="waiting"]').waitFor({ timeout: DEADLINE_MS });
    await page.locator('[data-step="scene-2"][data-status="stored"]').waitFor({ timeout: DEADLINE_MS });
    await page.locator('[data-run-status="succeeded"]').waitFor({ timeout: DEADLINE_MS });
    await expect.poll(() => page.locator('#seeds-section img').count()).toBeGreaterThanOrEqual(3); // anchor + each scene's last frame
    await expect.poll(() => page.locator('#runs li[data-status="succeeded"]').count()).toBeGreaterThanOrEqual(1);

    const film = page.locator('video#film');
    await film.evaluate((video: Video) => ((video.muted = true), video.play()));
    // Playing: enough data for the current frame (HAVE_CURRENT_DATA = 2) and the clock moving.
    await film.evaluate((video: Video) => video.currentTime > 0.3 || new Promise((played) => video.addEventListener('timeupdate', () => video.currentTime > 0.3 && played(true))));
    expect(await film.evaluate((video: Video) => video.readyState)).toBeGreaterThanOrEqual(2);
    await mkdir('test-artifacts', { recursive: true });
    await film.evaluate((video: Video) => video.pause());
    await page.screenshot({ path: 'test-artifacts/viewer.png' });
  });

  it('regenerates scene 2 of a succeeded run with a new prompt: scene 1 is reused, scene 2 made again', async () => {
    expect(kiteRunId, 'the first test’s run').toBeTruthy();
    await page.goto(`${stack.apiUrl}/#run=${kiteRunId}`);
    await page.locator(`article.run[data-run-id="${kiteRunId}"] [data-run-status="succeeded"]`).waitFor({ timeout: DEADLINE_MS });
    await page.fill('#regenerate-scene', '2');
    await page.fill('#regenerate-prompt', 'The red kite lands on the sand, shot 2 again (Viewer kite)');
    await page.getByRole('button', { name: 'Regenerate scene' }).click();
    const childId = await nextRunShown(kiteRunId!);
    const child = page.locator(`article.run[data-run-id="${childId}"]`);
    await child.locator('[data-run-status="succeeded"]').waitFor({ timeout: DEADLINE_MS });
    await expect(child.locator('.run-status').textContent()).resolves.toContain(`regenerate of ${kiteRunId}`);
    await expect(child.locator('[data-step="scene-1"][data-status="stored"] .step-detail', { hasText: 'reused' }).count()).resolves.toBe(1);
    await expect(child.locator('[data-step="scene-2"][data-status="stored"]').count()).resolves.toBe(1);
    await expect(child.locator('[data-step="scene-2"] .step-detail', { hasText: 'reused' }).count()).resolves.toBe(0);
    expect((await manifestOf(childId)).origin).toEqual({ kind: 'regenerate', parentRunId: kiteRunId, scene: 2 });
  });

  it('cancels a slow run with its Cancel button', async () => {
    stack.emulator!.faults.processingDelayMs = 60_000;
    try {
      await paste(JSON.stringify(storyboard('Viewer slow', 1)));
      await page.click('#start-storyboard');
      await page.locator('article.run[data-run-id*="viewer-slow"] [data-step="anchor"][data-status="waiting"]').waitFor({ timeout: DEADLINE_MS });
      await page.getByRole('button', { name: 'Cancel run' }).click();
      await page.locator('[data-run-status="canceled"]').waitFor({ timeout: DEADLINE_MS });
      await expect(page.getByRole('button', { name: 'Cancel run' }).isDisabled()).resolves.toBe(true);
      slowRunId = await page.locator('article.run').getAttribute('data-run-id');
    } finally {
      stack.emulator!.faults.processingDelayMs = 0;
    }
  });

  it('resumes the canceled run with its Resume button: a new run that succeeds', async () => {
    expect(slowRunId, 'the cancel test’s run').toBeTruthy();
    await page.goto(`${stack.apiUrl}/#run=${slowRunId}`);
    await page.locator(`article.run[data-run-id="${slowRunId}"] [data-run-status="canceled"]`).waitFor({ timeout: DEADLINE_MS });
    await page.getByRole('button', { name: 'Resume' }).click();
    const childId = await nextRunShown(slowRunId!);
    const child = page.locator(`article.run[data-run-id="${childId}"]`);
    await child.locator('[data-run-status="succeeded"]').waitFor({ timeout: DEADLINE_MS });
    await expect(child.locator('.run-status').textContent()).resolves.toContain(`resume of ${slowRunId}`);
    expect((await manifestOf(childId)).origin).toEqual({ kind: 'resume', parentRunId: slowRunId });
  });

  it('shows invalid JSON with where it breaks, and starts nothing', async () => {
    const runs = stack.engine.list().length;
    await paste('{"title": "x",\n  "scenes": [}');
    await page.click('#start-storyboard');
    await expect(page.locator('#start-problems .problem').textContent({ timeout: DEADLINE_MS })).resolves.toMatch(/Not valid JSON \(line 2, column \d+\)/);
    expect(stack.engine.list()).toHaveLength(runs);
  });

  it.each([
    ['the page (schema)', { title: '', scenes: [{ prompt: 'x', duraton: 6 }] }, [['title', /must not be empty/], ['scenes[0].duraton', /not a field here/]]],
    ['the server (400: the model’s rules)', { title: 'Odd length', scenes: [{ prompt: 'x', duration: 7 }] }, [['scenes[0].duration', /not accepted by ltx-2-fast/]]],
  ] as const)('shows problems found by %s at their fields', async (_by, board, expected) => {
    const runs = stack.engine.list().length;
    await paste(JSON.stringify(board));
    await page.click('#start-storyboard');
    for (const [path, message] of expected) {
      await expect(page.locator(`#start-problems [data-path="${path}"] > .problem`).textContent({ timeout: DEADLINE_MS })).resolves.toMatch(message);
    }
    expect(stack.engine.list()).toHaveLength(runs);
  });
});
