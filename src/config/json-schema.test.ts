import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { configJsonSchema } from './json-schema.js';

it('config.schema.json matches the validator (run `npm run schema` after changing the config schema)', () => {
  const committed = readFileSync(fileURLToPath(new URL('../../../config.schema.json', import.meta.url)), 'utf8');
  assert.equal(committed, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
});
