import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkParseSchema } from '@cedar-policy/cedar-wasm/nodejs';
import { parseConfig } from '../config/load.js';
import { GatehouseError } from '../errors/catalog.js';
import type { Power, ResourceRef } from '../domain/types.js';
import { createCedarAuthorizer } from './cedar-authorizer.js';
import { buildCedarSchema } from './cedar-schema.js';
import { loadPolicySources } from './policy-loader.js';

function config(yaml: string) {
  return parseConfig(yaml, '/virtual/gatehouse.yaml', {});
}

function schemaError(fn: () => unknown): GatehouseError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof GatehouseError);
    return err;
  }
  assert.fail('expected an error');
}

describe('buildCedarSchema', () => {
  it('builds a schema Cedar parses, with fixed types and the configured attributes', () => {
    const c = config(`
agents:
  - { name: a, owner: o, attributes: { team: eng, level: 3, on_call: true, regions: [eu, us] } }
  - { name: b, owner: o, attributes: { team: ops } }
users:
  - { id: u, attributes: { dept: hr } }
`);
    const schema = buildCedarSchema({ ...c, identity: { ...c.identity, userAttributes: { clearance: 'long', tags: 'set<string>' } } });
    assert.deepEqual(checkParseSchema(schema.text), { type: 'success' });
    assert.deepEqual(Object.fromEntries(schema.agentAttributes), { team: 'String', level: 'Long', on_call: 'Bool', regions: 'Set<String>' });
    assert.deepEqual(Object.fromEntries(schema.userAttributes), { clearance: 'Long', tags: 'Set<String>', dept: 'String' });
    for (const line of ['namespace Gatehouse {', 'entity Group;', 'entity Agent in [Group] {', 'owner: String,', 'level?: Long,', 'regions?: Set<String>,',
      'entity User in [Group] {', 'clearance?: Long,', 'entity Connector {', 'powers: Set<String>,', 'entity Document in [Connector] {',
      'entity Table in [Connector] {', 'entity Record in [Table, Connector] {', 'action read, search, draft, write, trigger appliesTo {', 'user?: User,', 'acting_for_user: Bool,']) {
      assert.ok(schema.text.includes(line), `missing: ${line}\n${schema.text}`);
    }
  });

  it('builds the base schema without agents or users', () => {
    const schema = buildCedarSchema(config(''));
    assert.deepEqual(checkParseSchema(schema.text), { type: 'success' });
    assert.ok(schema.text.includes('entity User in [Group] {}'));
  });

  it('quotes attribute names Cedar reserves', () => {
    const schema = buildCedarSchema(config(`agents: [{ name: a, owner: o, attributes: { in: x, is: 1 } }]`));
    assert.deepEqual(checkParseSchema(schema.text), { type: 'success' });
    assert.ok(schema.text.includes('"in"?: String'));
  });

  it('refuses an attribute whose type differs between agents, naming it', () => {
    const err = schemaError(() => buildCedarSchema(config(`
agents:
  - { name: a, owner: o, attributes: { level: 3 } }
  - { name: b, owner: o, attributes: { level: high } }
`)));
    assert.equal(err.code, 'POLICY_INVALID');
    assert.match(err.message, /agents\[1\] \(b\): attribute "level" is String but agents\[0\] \(a\) makes it Long/);
  });

  it('refuses user attributes that disagree with identity.user_attributes, non-integers and built-in names', () => {
    const c = config(`
users: [{ id: u, attributes: { clearance: high, score: 1.5 } }]
agents: [{ name: a, owner: o, attributes: { owner: someone } }]
`);
    const err = schemaError(() => buildCedarSchema({ ...c, identity: { ...c.identity, userAttributes: { clearance: 'long' } } }));
    assert.match(err.message, /users\[0\] \(u\): attribute "clearance" is String but identity\.user_attributes\.clearance makes it Long/);
    assert.match(err.message, /attribute "score" is not an integer/);
    assert.match(err.message, /attribute "owner" clashes with the built-in Agent attribute/);
  });

  it('types the tables and rows of SQL connectors so policies over them validate and decide', () => {
    const c = config(`
connectors: [{ name: crm, type: files, owner: o, purpose: p, path: /x, powers: [read, write] }]
agents: [{ name: a, owner: o }]
`);
    const loaded = loadPolicySources([{ file: '/v/p.cedar', text: `
permit(principal, action == Gatehouse::Action::"read", resource in Gatehouse::Table::"crm/customers") when { resource.label == "confidential" };
permit(principal, action == Gatehouse::Action::"write", resource is Gatehouse::Record in Gatehouse::Connector::"crm") when { resource.table == "tickets" };
forbid(principal, action, resource is Gatehouse::Record) when { resource.connector == "crm" && resource.key == "2" };
` }], buildCedarSchema(c), '/v');
    const authorizer = createCedarAuthorizer(c, loaded, {});
    const table = (name: string): ResourceRef => ({
      type: 'Table', id: `crm/${name}`, attributes: { table: name, label: 'confidential', connector: 'crm' }, parents: [{ type: 'Connector', id: 'crm' }],
    });
    const row = (name: string, key: string): ResourceRef => ({
      type: 'Record', id: `crm/${name}/${key}`, attributes: { table: name, key, label: 'confidential', connector: 'crm' },
      parents: [{ type: 'Table', id: `crm/${name}` }, { type: 'Connector', id: 'crm' }],
    });
    const agent = c.agents[0]!;
    const allowed = (action: Power, resource: ResourceRef) => authorizer.authorize({
      caller: { agent: { name: agent.name, owner: agent.owner, description: undefined, groups: [], attributes: {}, actForUsers: false }, keyId: 'k', user: undefined },
      action, connector: { name: 'crm', type: 'files', owner: 'o', powers: ['read', 'write'] }, resource, tool: `crm_${action}`, operation: action,
    }).allowed;
    assert.equal(allowed('read', table('customers')), true);
    assert.equal(allowed('read', row('customers', '1')), true, 'a row is in its table');
    assert.equal(allowed('read', row('customers', '2')), false, 'forbid on the record');
    assert.equal(allowed('read', table('tickets')), false);
    assert.equal(allowed('write', row('tickets', '1')), true, 'a row is in its connector');
    assert.equal(allowed('write', row('customers', '1')), false);
  });
});

