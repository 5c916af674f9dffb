import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../config/load.js';
import { GatehouseError } from '../errors/catalog.js';
import { createCedarAuthorizer } from './cedar-authorizer.js';
import { buildCedarSchema } from './cedar-schema.js';
import { caseToRequest, parsePolicyCases, runPolicyCases } from './policy-cases.js';
import { loadPolicySources } from './policy-loader.js';

const config = parseConfig(`
identity:
  user_assertion: { issuer: https://sso.example.com, secret: '\${env:SSO_SECRET}' }
  user_attributes: { clearance: long }
users: [{ id: alice, groups: [hr] }]
connectors: [{ name: handbook, type: files, owner: hr, purpose: Handbook, path: ./docs, powers: [read, search] }]
agents:
  - { name: helpdesk, owner: it, act_for_users: true }
  - { name: bot, owner: it }
`, '/virtual/gatehouse.yaml', { SSO_SECRET: 'test-only-secret' });

const policies = `
@id("helpdesk-reads") permit (principal == Gatehouse::Agent::"helpdesk", action == Gatehouse::Action::"read", resource in Gatehouse::Connector::"handbook");
@id("restricted") @reason("hr only") forbid (principal, action, resource is Gatehouse::Document)
  when { resource.label == "restricted" } unless { context has user && context.user in Gatehouse::Group::"hr" };
permit (principal, action == Gatehouse::Action::"search", resource) when { context has user && context.user has clearance && context.user.clearance > 1 };
`;
const authorizer = createCedarAuthorizer(config, loadPolicySources([{ file: '/virtual/p.cedar', text: policies }], buildCedarSchema(config), '/virtual'));

function usageError(fn: () => unknown): GatehouseError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof GatehouseError);
    assert.equal(err.code, 'USAGE');
    return err;
  }
  assert.fail('expected a USAGE error');
}

describe('policy cases', () => {
  it('runs each case through the authorizer and reports a result per case', () => {
    const cases = parsePolicyCases(`
- name: reads a guide
  agent: helpdesk
  action: read
  connector: handbook
  resource: { type: Document, path: guides/vpn.md, label: internal }
  expect: allow
- agent: helpdesk
  user: { id: alice }
  action: read
  connector: handbook
  resource: { type: Document, path: hr/pay.md, label: restricted }
  expect: allow
- name: wrong expectation
  agent: helpdesk
  action: read
  connector: handbook
  resource: { type: Document, path: hr/pay.md, label: restricted }
  expect: allow
- name: a record of the handbook
  agent: helpdesk
  action: read
  connector: handbook
  resource: { type: Record, table: t, key: k, label: internal }
  expect: deny
- name: a claim of the wrong type
  agent: helpdesk
  user: { id: alice, attributes: { clearance: high } }
  action: search
  connector: handbook
  expect: deny
`, 'cases.yaml', config);
    const results = runPolicyCases(cases, config, authorizer);
    assert.deepEqual(results.map((r) => [r.name, r.actual, r.passed]), [
      ['reads a guide', 'allow', true], ['case 1', 'allow', true], ['wrong expectation', 'deny', false],
      ['a record of the handbook', 'allow', false], ['a claim of the wrong type', 'error', false],
    ]);
    assert.match(results[4]?.error ?? '', /^POLICY_EVALUATION_FAILED: Attribute "clearance" of user "alice"/);
    assert.deepEqual(results[2]?.policyIds, ['restricted']);
    assert.equal(results[2]?.reason, 'hr only');
  });

  it('uses declared user groups unless the case gives its own', () => {
    const base = { agent: 'helpdesk', action: 'read' as const, connector: 'handbook' };
    assert.deepEqual(caseToRequest({ ...base, user: { id: 'alice' } }, config).caller.user?.groups, ['hr']);
    assert.deepEqual(caseToRequest({ ...base, user: { id: 'alice', groups: [] } }, config).caller.user?.groups, []);
    const request = caseToRequest({ ...base, resource: { type: 'Document', path: 'a.md', label: 'x' } }, config);
    assert.equal(request.resource.id, 'handbook/a.md');
    assert.equal(request.tool, 'handbook_read');
  });

  it('builds records and tables as the sql connector does: in their table and their connector', () => {
    const base = { agent: 'helpdesk', action: 'read' as const, connector: 'handbook' };
    const record = caseToRequest({ ...base, resource: { type: 'Record', table: 'tickets', key: '3', label: 'internal' } }, config).resource;
    assert.deepEqual(record.parents, [{ type: 'Table', id: 'handbook/tickets' }, { type: 'Connector', id: 'handbook' }]);
    assert.equal(record.attributes.connector, 'handbook');
    const table = caseToRequest({ ...base, resource: { type: 'Table', table: 'tickets', label: 'internal' } }, config).resource;
    assert.deepEqual([table.type, table.id, table.parents], ['Table', 'handbook/tickets', [{ type: 'Connector', id: 'handbook' }]]);
  });

  it('reports every bad case with its index and line', () => {
    const err = usageError(() => parsePolicyCases(`
- agent: helpdesk
  action: read
  connector: handbook
  expect: allow
- agent: nobody
  action: fly
  connector: handbook
  expect: maybe
- agent: bot
  user: { id: alice }
  action: read
  connector: elsewhere
  expect: deny
  extra: 1
`, 'cases.yaml', config));
    assert.match(err.message, /case\[1\] \(line 6\) action:/);
    assert.match(err.message, /case\[1\] \(line 6\) expect:/);
    assert.match(err.message, /case\[2\] \(line 10\) \(case\): Unrecognized key/);
    assert.doesNotMatch(err.message, /case\[0\]/);
  });

  it('checks references to the configuration', () => {
    const err = usageError(() => parsePolicyCases(`
- { agent: nobody, action: read, connector: handbook, expect: deny }
- { agent: bot, user: { id: alice }, action: read, connector: elsewhere, expect: deny }
`, 'cases.yaml', config));
    assert.match(err.message, /case\[0\] \(line 2\) agent: "nobody" is not declared/);
    assert.match(err.message, /case\[1\] \(line 3\) user: agent "bot" may not act for users/);
    assert.match(err.message, /case\[1\] \(line 3\) connector: "elsewhere" is not declared/);
  });

  it('refuses a file that is not a list', () => {
    assert.match(usageError(() => parsePolicyCases('agent: x', 'cases.yaml', config)).message, /expected a YAML list of cases/);
  });
});
