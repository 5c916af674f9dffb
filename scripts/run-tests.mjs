#!/usr/bin/env node
// Runs the compiled test suite once per store kind: the embedded SQLite default, then PostgreSQL.
// Usage: node scripts/run-tests.mjs [sqlite|postgres] [-- extra node --test args]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const kinds = args.filter((a) => a === 'sqlite' || a === 'postgres');
const stores = kinds.length > 0 ? kinds : ['sqlite', 'postgres'];
const filters = args.filter((a) => !stores.includes(a));

function testFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...testFiles(path));
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const files = [...testFiles('dist/src'), ...testFiles('dist/test')]
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
// The demo builds its own workspace on the embedded store whatever the pass: it runs in the SQLite pass only.
const STORE_INDEPENDENT = ['dist/test/e2e/demo.test.js'];
let failed = false;
for (const store of stores) {
  const run = store === 'sqlite' ? files : files.filter((f) => !STORE_INDEPENDENT.includes(f.replaceAll('\\', '/')));
  process.stdout.write(`\n=== test suite on the ${store} store (${run.length} files) ===\n`);
  const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=120000', ...run], {
    stdio: 'inherit',
    env: { ...process.env, GATEHOUSE_TEST_STORE: store },
  });
  if (result.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
