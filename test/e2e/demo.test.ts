/**
 * The demo walkthrough is the product's front door: it must run green on a fresh workspace.
 * It always uses the embedded SQLite store (that is what the demo is), so it runs in the SQLite pass only.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TEST_STORE_KIND } from '../support/stores.js';

const BIN = fileURLToPath(new URL('../../../bin/gatehouse.js', import.meta.url));

it('gatehouse demo --walkthrough completes every step', { skip: TEST_STORE_KIND !== 'sqlite' && 'the demo runs on the embedded store only; covered by the SQLite pass' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-demo-test-'));
  try {
    const result = spawnSync(process.execPath, [BIN, 'demo', '--walkthrough', '--dir', dir], { encoding: 'utf8', timeout: 90_000 });
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /Walkthrough complete/);
    assert.match(result.stdout, /restricted-needs-hr/);
    assert.doesNotMatch(result.stdout, /✗/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
