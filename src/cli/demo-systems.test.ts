/**
 * writeDemoSystems extends the demo scaffold without disturbing it: the configuration loads with the
 * crm and helpcenter connectors, the scaffold's own text (comments, alignment) is kept line for line,
 * private key files are owner-only, and the CRM file holds the sample rows. writeScaffold alone still
 * writes only the handbook (the e2e gateway fixture relies on it).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { loadConfig } from '../config/load.js';
import { buildCedarSchema } from '../policy/cedar-schema.js';
import { DEMO_CUSTOMERS, DEMO_TICKETS } from './demo-crm.js';
import { writeDemoSystems } from './demo-systems.js';
import { CONFIG_TEMPLATE, writeScaffold } from './scaffold.js';

describe('writeDemoSystems', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-demo-systems-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves the demo scaffold with the handbook connector only', () => {
    const { configFile } = writeScaffold(dir, { demo: true });
    assert.deepEqual(loadConfig(configFile).connectors.map((c) => c.name), ['handbook']);
  });

  it('adds the crm and helpcenter connectors, the user issuer and act_for_users, keeping the scaffold text', () => {
    const { configFile } = writeScaffold(dir, { demo: true });
    writeDemoSystems(dir, { serviceUrl: 'http://127.0.0.1:45678' });
    const config = loadConfig(configFile);
    assert.deepEqual(config.connectors.map((c) => `${c.name}:${c.type}`), ['handbook:files', 'crm:sql', 'helpcenter:http']);
    assert.equal(config.agents.find((a) => a.name === 'support-bot')?.act_for_users, true);
    assert.ok(config.identity.userAssertion?.publicKeyPem?.includes('PUBLIC KEY'));
    assert.deepEqual(config.identity.userAttributes, { region: 'string' });
    assert.equal(config.usesStoredSecrets, true);
    assert.match(JSON.stringify(config.connectors[2]), /127\.0\.0\.1:45678/);
    assert.ok(buildCedarSchema(config).userAttributes.has('region'));

    const text = readFileSync(configFile, 'utf8');
    let from = 0;
    for (const line of CONFIG_TEMPLATE.split('\n').filter((l) => l !== '')) {
      const at = text.indexOf(`${line}\n`, from);
      assert.ok(at >= 0, `scaffold line kept in order: ${line}`);
      from = at + line.length;
    }
  });

  it('writes owner-only key files and the sample CRM', { skip: process.platform === 'win32' && 'POSIX file modes' }, () => {
    writeScaffold(dir, { demo: true });
    const systems = writeDemoSystems(dir, { serviceUrl: 'http://127.0.0.1:45678' });
    for (const file of [join(dir, '.gatehouse/master.key'), systems.userKeyFile]) {
      assert.equal(statSync(file).mode & 0o077, 0, `${file} is private`);
    }
    const db = new Database(join(dir, 'data/crm.db'), { readonly: true });
    try {
      assert.equal((db.prepare('SELECT COUNT(*) AS n FROM customers').get() as { n: number }).n, DEMO_CUSTOMERS.length);
      assert.equal((db.prepare('SELECT COUNT(*) AS n FROM tickets').get() as { n: number }).n, DEMO_TICKETS.length);
    } finally {
      db.close();
    }
  });

  it('keeps an existing master key and rebuilds the CRM on a second run', () => {
    writeScaffold(dir, { demo: true });
    writeDemoSystems(dir, { serviceUrl: 'http://127.0.0.1:45678' });
    const key = readFileSync(join(dir, '.gatehouse/master.key'), 'utf8');
    const db = new Database(join(dir, 'data/crm.db'));
    db.prepare("UPDATE tickets SET category = 'changed'").run();
    db.close();
    writeScaffold(dir, { demo: true, force: true });
    writeDemoSystems(dir, { serviceUrl: 'http://127.0.0.1:45679' });
    assert.equal(readFileSync(join(dir, '.gatehouse/master.key'), 'utf8'), key);
    const again = new Database(join(dir, 'data/crm.db'), { readonly: true });
    try {
      assert.equal((again.prepare("SELECT COUNT(*) AS n FROM tickets WHERE category = 'changed'").get() as { n: number }).n, 0);
    } finally {
      again.close();
    }
  });
});
