#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so a fresh `npm ci` needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../local/cli.ts');
const code = await main(process.argv);
process.exitCode = code;
// The command is done: a child process of a step cut short by Ctrl-C (ffmpeg) must not keep it alive.
setTimeout(() => process.exit(code), 300).unref();
