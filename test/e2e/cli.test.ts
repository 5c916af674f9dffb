/**
 * The real `gatehouse` binary, spawned as an operator would run it: init, agent lifecycle, connector
 * pause, policy validation, audit commands, and exit codes for bad input.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freshStoreUrl } from '../support/stores.js';

const BIN = fileURLToPath(new URL('../../../bin/gatehouse.js', import.meta.url));

function gatehouse(args: string[], cwd: string, input?: string): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', input, timeout: 60_000 });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

describe('gatehouse CLI', () => {
  let dir: string;
  let drop: () => Promise<void>;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
    const fresh = freshStoreUrl();
    drop = fresh.drop;
    assert.equal(gatehouse(['init'], dir).status, 0);
    const config = join(dir, 'gatehouse.yaml');
    writeFileSync(config, readFileSync(config, 'utf8').replace(/^store: .*$/m, `store: ${fresh.url}`));
  });
  after(async () => {
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('init refuses to overwrite without --force (exit 2)', () => {
    const again = gatehouse(['init'], dir);
    assert.equal(again.status, 2);
    assert.match(again.stderr, /--force/);
  });

  it('creates, lists, rotates and revokes agent keys; the key is printed once and never stored', () => {
    const created = gatehouse(['agent', 'create', 'support-bot', '--expires', '30d', '--json'], dir);
    assert.equal(created.status, 0, created.stderr);
    const { name, key } = JSON.parse(created.stdout) as { name: string; key: string };
    assert.equal(name, 'support-bot');
    assert.match(key, /^ghk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);

    const listed = JSON.parse(gatehouse(['agent', 'list', '--json'], dir).stdout) as { name: string; status: string }[];
    assert.deepEqual(listed.map((a) => [a.name, a.status]), [['support-bot', 'active']]);
    assert.doesNotMatch(gatehouse(['agent', 'list', '--json'], dir).stdout, new RegExp(key));

    const rotated = JSON.parse(gatehouse(['agent', 'rotate', 'support-bot', '--json'], dir).stdout) as { key: string; revoked: number };
    assert.notEqual(rotated.key, key);
    assert.equal(rotated.revoked, 1);

    assert.equal(gatehouse(['agent', 'revoke', 'support-bot'], dir).status, 0);
    const after = JSON.parse(gatehouse(['agent', 'list', '--json'], dir).stdout) as { status: string }[];
    assert.equal(after[0]?.status, 'revoked');
  });

  it('refuses an undeclared agent with exit 2 and a clear message', () => {
    const result = gatehouse(['agent', 'create', 'ghost'], dir);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /AGENT_NOT_DECLARED/);
  });

  it('pauses and resumes connectors; unknown connectors are refused', () => {
    assert.equal(gatehouse(['connector', 'pause', 'handbook', '--reason', 'incident'], dir).status, 0);
    const listed = JSON.parse(gatehouse(['connector', 'list', '--json'], dir).stdout) as { name: string; state: string }[];
    assert.equal(listed[0]?.state, 'paused');
    assert.equal(gatehouse(['connector', 'resume', 'handbook'], dir).status, 0);
    const unknown = gatehouse(['connector', 'pause', 'nope'], dir);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /CONNECTOR_UNKNOWN/);
  });

  it('validates policies and reports a broken one with file and line (exit 2)', () => {
    assert.equal(gatehouse(['policy', 'validate'], dir).status, 0);
    const bad = join(dir, 'policies', 'broken.cedar');
    writeFileSync(bad, '@id("broken")\npermit (principal, action, resource)\nwhen { resource.nonexistent == "x" };\n');
    const result = gatehouse(['policy', 'validate'], dir);
    rmSync(bad);
    assert.notEqual(result.status, 0);
    assert.match(result.stdout + result.stderr, /broken\.cedar/);
  });

  it('reports configuration errors with file:line and exit 2', () => {
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'server:\n  listen: 127.0.0.1:7420\n  colour: blue\n');
    const result = gatehouse(['agent', 'list', '--config', broken], dir);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /broken\.yaml:3:3 server\.colour/);
  });

  it('verifies, tails and exports the audit trail of the admin actions above', () => {
    const verify = gatehouse(['audit', 'verify', '--json'], dir);
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    const tail = JSON.parse(gatehouse(['audit', 'tail', '-n', '5', '--json'], dir).stdout) as unknown[];
    assert.ok(tail.length > 0);
    const out = join(dir, 'trail.jsonl');
    assert.equal(gatehouse(['audit', 'export', '--format', 'jsonl', '--out', out], dir).status, 0);
    assert.equal(gatehouse(['audit', 'verify', '--file', out], dir).status, 0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    const i = lines.findIndex((l) => l.includes('connector_pause'));
    assert.ok(i >= 0);
    writeFileSync(out, [...lines.slice(0, i), lines[i]!.replace('connector_pause', 'connector_resume'), ...lines.slice(i + 1)].join('\n'));
    const tampered = gatehouse(['audit', 'verify', '--file', out], dir);
    assert.equal(tampered.status, 1);
  });

  it('prints help and rejects unknown commands with exit 2', () => {
    const help = gatehouse(['--help'], dir);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /agent/);
    assert.equal(gatehouse(['frobnicate'], dir).status, 2);
  });
});
