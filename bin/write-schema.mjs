#!/usr/bin/env node
// Regenerates docs/storyboard.schema.json from the zod schema in functions/domain/storyboard.ts.
// Run after changing the storyboard schema or models.ts: `node bin/write-schema.mjs`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const { storyboardJsonSchema } = await import('../functions/domain/storyboard.ts');
const target = fileURLToPath(new URL('../docs/storyboard.schema.json', import.meta.url));
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, `${JSON.stringify(storyboardJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target}`);
