/**
 * writeDemoSystems extends the demo scaffold without disturbing it: the configuration loads with the
 * crm and helpcenter connectors and the people who decide held requests, the scaffold's own text
 * (comments, alignment) is kept line for line, private key files are owner-only, the CRM file holds
 * the sample rows, and the CRM policies gate updates of escalated tickets only (never a rollback).
 * writeScaffold alone still writes only the handbook (the e2e gateway fixture relies on it).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { gateOf } from '../approvals/approval-rules.js';
import { loadConfig, type Config } from '../config/load.js';
import { agentFromConfig } from '../identity/authenticator.js';
import { createCedarAuthorizer } from '../policy/cedar-authorizer.js';
import { buildCedarSchema } from '../policy/cedar-schema.js';
import { loadPolicies } from '../policy/policy-loader.js';
import { DEMO_CUSTOMERS, DEMO_TICKETS } from './demo-crm.js';
import { DEMO_APPROVER, DEMO_APPROVER_GROUP, DEMO_AUDITOR, DEMO_ESCALATED_TICKETS, DEMO_USER, writeDemoSystems } from './demo-systems.js';
import { CONFIG_TEMPLATE, writeScaffold } from './scaffold.js';

/** Decide a write on a crm ticket as support-bot acting for the demo user, with the workspace's policies. */
function decider(config: Config) {
  const authorizer = createCedarAuthorizer(config, loadPolicies(config));
  const crm = config.connectors.find((c) => c.name === 'crm')!;
  const agent = agentFromConfig(config.agents.find((a) => a.name === 'support-bot')!);
  return (operation: string, key: number) => authorizer.authorize({
    caller: { agent, keyId: 'test', user: { id: DEMO_USER.id, groups: [], attributes: { region: DEMO_USER.region } } },
    action: 'write', operation, tool: `crm_${operation}`,
    connector: { name: crm.name, type: crm.type, owner: crm.owner, powers: crm.powers },
    resource: {
      type: 'Record', id: `crm/tickets/${key}`, attributes: { table: 'tickets', key: String(key), label: 'internal', connector: 'crm' },
      parents: [{ type: 'Table', id: 'crm/tickets' }, { type: 'Connector', id: 'crm' }],
    },
  });
}

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

    assert.deepEqual(config.admins.map((a) => `${a.name}:${a.role}:${a.groups.join()}`), [
      `${DEMO_APPROVER}:approver:${DEMO_APPROVER_GROUP}`, `support-lead@example.com:approver:${DEMO_APPROVER_GROUP}`, `${DEMO_AUDITOR}:auditor:`,
    ]);

    const text = readFileSync(configFile, 'utf8');
    let from = 0;
    for (const line of CONFIG_TEMPLATE.split('\n').filter((l) => l !== '')) {
      const at = text.indexOf(`${line}\n`, from);
      assert.ok(at >= 0, `scaffold line kept in order: ${line}`);
      from = at + line.length;
    }
  });

  it('gates ticket updates of enterprise customers for helpdesk leads, and nothing else', () => {
    const { configFile } = writeScaffold(dir, { demo: true });
    const systems = writeDemoSystems(dir, { serviceUrl: 'http://127.0.0.1:45678' });
    const config = loadConfig(configFile);
    assert.equal(systems.people.owner, config.agents.find((a) => a.name === 'support-bot')?.owner);
    const enterprise = DEMO_TICKETS.filter((t) => DEMO_CUSTOMERS.find((c) => c.id === t.customerId)?.plan === 'enterprise').map((t) => t.id);
    assert.deepEqual(DEMO_ESCALATED_TICKETS, enterprise);
    assert.ok(DEMO_ESCALATED_TICKETS.includes(6) && !DEMO_ESCALATED_TICKETS.includes(3), 'the walkthrough gates ticket 6 and updates ticket 3 at once');

    const decide = decider(config);
    const gate = (operation: string, key: number) => {
      const decision = decide(operation, key);
      assert.ok(decision.allowed, `${operation} of ticket ${key} is permitted`);
      return gateOf(decision)?.groups;
    };
    assert.deepEqual(gate('update', 6), [DEMO_APPROVER_GROUP]);
    assert.equal(gate('update', 3), undefined);
    assert.equal(gate('revert', 6), undefined, 'a rollback people ask for is not held');
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
