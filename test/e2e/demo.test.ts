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
import { DEMO_API_KEY_SECRET } from '../../src/cli/demo-systems.js';
import { loadConfig } from '../../src/config/load.js';
import { loadMasterKey } from '../../src/secrets/master-key.js';
import { openSecret } from '../../src/secrets/secret-box.js';
import { openStore } from '../../src/store/open-store.js';
import { TEST_STORE_KIND } from '../support/stores.js';

const BIN = fileURLToPath(new URL('../../../bin/gatehouse.js', import.meta.url));

/** The help-center API key the demo generated, decrypted from the workspace's store. */
async function demoApiKey(dir: string): Promise<string> {
  const config = loadConfig(join(dir, 'gatehouse.yaml'));
  const store = await openStore(config.store);
  try {
    const row = await store.getSecret(DEMO_API_KEY_SECRET);
    assert.ok(row, 'the demo stores the API key in the secrets store');
    return openSecret(loadMasterKey(config), DEMO_API_KEY_SECRET, row);
  } finally {
    await store.close();
  }
}

it('gatehouse demo --walkthrough completes every step', { skip: TEST_STORE_KIND !== 'sqlite' && 'the demo runs on the embedded store only; covered by the SQLite pass' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-demo-test-'));
  try {
    const result = spawnSync(process.execPath, [BIN, 'demo', '--walkthrough', '--dir', dir], { encoding: 'utf8', timeout: 90_000 });
    const out = result.stdout;
    assert.equal(result.status, 0, `${out}\n${result.stderr}`);
    assert.match(out, /Walkthrough complete/);
    assert.match(out, /restricted-needs-hr/);
    assert.doesNotMatch(out, /✗/);

    // The CRM: masked e-mails, rows of the acting user's region only, refusal without a user, writable columns only.
    assert.match(out, /✓ Only the 7 emea customers of 20 came back/);
    assert.match(out, /"email":"j\*\*\*@acme\.example"/);
    assert.doesNotMatch(out, /jonas\.weber@acme\.example/);
    assert.doesNotMatch(out, /"region":"(amer|apac)"/);
    assert.match(out, /ROW_FILTER_UNSATISFIED/);
    assert.match(out, /✓ Refused: without a region/);
    assert.match(out, /✓ Allowed: category is a writable column/);
    assert.match(out, /COLUMN_NOT_ALLOWED/);
    assert.match(out, /✓ Refused with COLUMN_NOT_ALLOWED: subject is not writable, and the row is unchanged/);

    // The demo's HTTP API: refused without its key, answered through the gateway, the key nowhere in the output.
    assert.match(out, /HTTP 401/);
    assert.match(out, /"status": "degraded"/);
    assert.match(out, /"api_key": "\[REDACTED\]"/);
    assert.match(out, /✓ The API key appears nowhere in the result/);
    const apiKey = await demoApiKey(dir);
    assert.ok(apiKey.length >= 20);
    assert.ok(!out.includes(apiKey) && !result.stderr.includes(apiKey), 'the API key must not appear in the walkthrough output');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
