#!/usr/bin/env node
// npm run bench: render the examples on the local stack and write docs/bench.md.
import { register } from 'tsx/esm/api';

register();
const { runBench } = await import('../local/bench.ts');
process.exitCode = await runBench(process.argv.slice(2));
