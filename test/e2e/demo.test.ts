/**
 * The demo walkthrough is the product's front door: it must run green on a fresh workspace. The
 * interactive demo prints tokens and commands for the people who approve; those commands must work.
 * It always uses the embedded SQLite store (that is what the demo is), so it runs in the SQLite pass only.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
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

it('gatehouse demo --walkthrough completes every step', async () => {
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
    assert.match(out, /✓ Allowed: category is a writable column, and ticket 3 is not escalated/);
    assert.match(out, /COLUMN_NOT_ALLOWED/);
    assert.match(out, /✓ Refused with COLUMN_NOT_ALLOWED: subject is not writable, and the row is unchanged/);

    // Approvals: held with the CRM untouched, four eyes, approved with an edit and executed once, seen by the agent, rolled back, linked in the trail.
    const id = /pending approval id (apr_[A-Za-z0-9_-]+)/.exec(out)?.[1];
    assert.ok(id, 'the held update names its approval id');
    assert.match(out, /✓ Held, not refused: policy crm-escalated-tickets-need-a-lead gates it for "helpdesk-leads"/);
    assert.match(out, /✓ Nothing changed in the CRM: ticket 6 is still "legal"/);
    assert.match(out, /HTTP 403 APPROVAL_FORBIDDEN: .*support-lead@example\.com owns the agent/);
    assert.match(out, /✓ Refused with 403 APPROVAL_FORBIDDEN: four eyes/);
    assert.match(out, /✓ Still pending and undecided/);
    assert.match(out, /HTTP 200: status "executed", decided by lead@example\.com, edited values\.category/);
    assert.match(out, /✓ Approved and executed in one call/);
    assert.match(out, new RegExp(`crm_get afterwards: category "privacy"; executed crm_update records for ${id}: 1`));
    assert.match(out, /✓ The CRM has the approved category "privacy", not the requested "how-to", changed exactly once/);
    assert.match(out, /Approved by lead@example\.com with edits and executed/);
    assert.match(out, /✓ The agent learns that lead@example\.com approved it with edits/);
    assert.match(out, /HTTP 200: reverted; reverted an update \(1 row restored\)/);
    assert.match(out, /✓ Reverted from the before-image kept with the execution's record: ticket 6 is "legal" again/);
    assert.match(out, /tool_call crm_revert +ok +support-bot for ana@example\.com, asked by lead@example\.com \(reverts aud_/);
    assert.match(out, /✓ Linked, in order: request \(held\) → refused self-approval → decision/);
    assert.match(out, /✓ No argument values in any of them/);
    assert.ok(out.indexOf('✓ Linked, in order') < out.indexOf('✓ Every request above is in the hash chain'), 'the trail still verifies after the approval steps');
    assert.doesNotMatch(out, /gha_[0-9a-f]{12}_/, 'the walkthrough prints no admin token');

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

it('gatehouse demo prints the approvers\' tokens and CLI commands that work against its workspace', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-demo-test-'));
  const demo = spawn(process.execPath, [BIN, 'demo', '--port', '0', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let out = '';
    let err = '';
    demo.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
    });
    demo.stdout.setEncoding('utf8');
    for await (const chunk of demo.stdout) {
      out += String(chunk);
      if (out.includes('Press Ctrl-C to stop.')) break;
    }
    assert.match(out, /Press Ctrl-C to stop\./, `the demo should start and print its instructions\n${out}\n${err}`);
    assert.match(out, /lead@example\.com +gha_[0-9a-f]{12}_\S+\n +approver\n/);
    assert.match(out, /support-lead@example\.com +gha_\S+\n +approver, but owns support-bot: four eyes/);
    assert.match(out, /audit@example\.com +gha_\S+\n +auditor/);
    const token = /export GATEHOUSE_ADMIN_TOKEN=(gha_\S+)/.exec(out)?.[1];
    assert.ok(token !== undefined && new RegExp(`lead@example\\.com +${token}\\n`).test(out), 'the export line carries the approver\'s token');
    assert.match(out, /approvals approve apr_\.\.\. --set values\.category=privacy --config /);

    const list = spawnSync(process.execPath, [BIN, 'approvals', 'list', '--config', join(dir, 'gatehouse.yaml')], {
      encoding: 'utf8', env: { ...process.env, GATEHOUSE_ADMIN_TOKEN: token }, timeout: 60_000,
    });
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, /No requests with status pending or draft/);
  } finally {
    const exited = demo.exitCode === null ? once(demo, 'exit') : Promise.resolve();
    demo.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
});
