import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../config/load.js';
import type { Caller, EndUser, Power, ResourceRef } from '../domain/types.js';
import { GatehouseError } from '../errors/catalog.js';
import type { AuthorizationRequest } from './authorizer.js';
import { createCedarAuthorizer, type CedarAuthorizerOptions } from './cedar-authorizer.js';
import { buildCedarSchema } from './cedar-schema.js';
import { agentEntity, ALL_NEEDS } from './entities.js';
import { loadPolicySources } from './policy-loader.js';
import { residualPolicies, type SliceFacts } from './residual-slice.js';

const CONFIG = parseConfig(`
identity:
  user_assertion: { issuer: https://sso.example.com, secret: '\${env:SSO_SECRET}' }
  user_attributes: { clearance: long, dept: string }
users: [{ id: alice, groups: [hr], attributes: { clearance: 3 } }]
connectors:
  - { name: handbook, type: files, owner: hr, purpose: Handbook, path: ./docs, powers: [read, search, write] }
  - { name: wiki, type: files, owner: it, purpose: Wiki, path: ./wiki, powers: [read, search, write] }
agents:
  - { name: helpdesk, owner: it, groups: [support], attributes: { tier: 1 }, act_for_users: true }
  - { name: lead, owner: it, groups: [support, eng], attributes: { tier: 3 } }
  - { name: intern, owner: it, attributes: { tier: 0 } }
`, '/virtual/gatehouse.yaml', { SSO_SECRET: 'test-only-secret' });

const A = (name: string) => `Gatehouse::Agent::"${name}"`;
const C = (name: string) => `Gatehouse::Connector::"${name}"`;
const G = (name: string) => `Gatehouse::Group::"${name}"`;
const ACT = (name: string) => `Gatehouse::Action::"${name}"`;

/** Policies meant to exercise every residual rule: scopes, principal facts, users, tools, failures, duplicates. */
const POLICIES = `
@id("restricted") @reason("hr only") forbid (principal, action, resource is Gatehouse::Document)
  when { resource.label == "restricted" } unless { context has user && context.user in ${G('hr')} };
@id("unattended-write") @reason("writes need a user") forbid (principal, action == ${ACT('write')}, resource) unless { context.acting_for_user };
@id("public") permit (principal, action in [${ACT('read')}, ${ACT('search')}], resource is Gatehouse::Document) when { resource.label == "public" };
@id("tier-read") permit (principal, action == ${ACT('read')}, resource in ${C('handbook')}) when { principal has tier && principal.tier >= 1 };
@id("tier-read-copy") permit (principal, action == ${ACT('read')}, resource in ${C('handbook')}) when { principal has tier && principal.tier >= 1 };
@id("helpdesk-label") permit (principal == ${A('helpdesk')}, action == ${ACT('read')}, resource is Gatehouse::Document in ${C('wiki')})
  when { ["internal", "public"].contains(resource.label) && context.tool like "*_read" };
@id("lead-search") permit (principal == ${A('lead')}, action == ${ACT('search')}, resource == ${C('wiki')}) when { context.tool == "wiki_search" };
@id("group-eng") permit (principal in ${G('eng')}, action, resource is Gatehouse::Document in ${C('wiki')}) when { resource.path like "eng/*" };
@id("group-support") permit (principal is Gatehouse::Agent in ${G('support')}, action == ${ACT('write')}, resource in ${C('wiki')})
  when { context has user && context.user has dept && context.user.dept == "ops" };
@id("clearance") permit (principal, action == ${ACT('read')}, resource is Gatehouse::Document)
  when { context has user && context.user has clearance && context.user.clearance > 2 && resource.path like "hr/*" };
@id("user-in-groups") forbid (principal, action == ${ACT('write')}, resource in ${C('handbook')}) unless { context has user && context.user in [${G('hr')}, ${G('ops')}] };
@id("only-alice") permit (principal, action == ${ACT('draft')}, resource) when { context has user && context.user == Gatehouse::User::"alice" };
@id("operation") permit (principal == ${A('intern')}, action == ${ACT('search')}, resource) when { context.operation == "search" && principal has tier && principal.tier < 1 };
@id("secret-path") @reason("no secrets") forbid (principal == ${A('lead')}, action, resource is Gatehouse::Document in ${C('handbook')}) when { resource.path like "secret/*" };
@id("exact-doc") permit (principal, action == ${ACT('read')}, resource == Gatehouse::Document::"wiki/exact.md");
@id("literal-read") permit (principal, action == ${ACT('draft')}, resource in ${C('handbook')})
  when { ${A('lead')} has tier && principal has tier && principal.tier >= ${A('lead')}.tier };
@id("in-doc") forbid (principal == ${A('lead')}, action == ${ACT('read')}, resource in Gatehouse::Document::"wiki/eng/b.md");
@id("overflow") permit (principal == ${A('intern')}, action == ${ACT('search')}, resource) when { principal has tier && (principal.tier + 4000000000) * 4000000000 > 0 };
@id("big-number") permit (principal == ${A('intern')}, action == ${ACT('draft')}, resource in ${C('wiki')}) when { principal has tier && principal.tier + 9007199254740993 == 9007199254740992 };
@id("connector-type") permit (principal, action == ${ACT('search')}, resource is Gatehouse::Connector) when { resource.type == "files" && principal has tier && principal.tier > 0 };
@id("powers") permit (principal, action == ${ACT('search')}, resource is Gatehouse::Connector)
  when { resource.powers.containsAll(["read", "search"]) && !resource.powers.containsAny(["trigger"]) && resource.owner != "nobody" };
@id("escapes") @reason("odd paths") forbid (principal, action == ${ACT('read')}, resource is Gatehouse::Document) when { resource.path like "*\\*x*" || resource.path like "a\\\\*" };
@id("if-label") permit (principal, action == ${ACT('read')}, resource is Gatehouse::Document in ${C('wiki')})
  when { if resource.path like "eng/*" then resource.label != "restricted" && context.tool like "wiki_*" else context.operation == "read" && resource.label == "internal" };
@id("path-set") permit (principal is Gatehouse::Agent in ${G('support')}, action == ${ACT('draft')}, resource is Gatehouse::Document)
  when { ["a.md", "eng/b.md"].contains(resource.path) || resource.connector == principal.owner };
@id("user-set") permit (principal, action == ${ACT('search')}, resource) when { context has user && context.user has dept && ["ops", "it"].contains(context.user.dept) };
@id("user-arith") permit (principal, action == ${ACT('read')}, resource is Gatehouse::Document)
  when { context has user && context.user has clearance && context.user.clearance * 2 - 1 >= 5 && resource.label != "public" };
@id("label-secret") forbid (principal == ${A('lead')}, action == ${ACT('read')}, resource is Gatehouse::Document in ${C('wiki')}) when { resource.label == "secret" };
@id("rows") permit (principal, action in [${ACT('read')}, ${ACT('write')}], resource is Gatehouse::Record in ${C('wiki')})
  when { resource.table like "t*" && resource in Gatehouse::Table::"wiki/t" && (resource.key == "1" || context.acting_for_user) };
`;

const user = (id: string, groups: string[], attributes: Record<string, string | number>): EndUser => ({ id, groups, attributes });
const USERS: (EndUser | undefined)[] = [
  undefined,
  user('alice', ['hr'], { clearance: 3 }),
  user('bob', ['ops', 'eng'], { clearance: 1, dept: 'ops' }),
  user('carol', [], {}),
  user('dave', ['hr'], { clearance: 'high' }),
];
const doc = (id: string, attributes: Record<string, string>, parent = id.slice(0, id.indexOf('/'))): ResourceRef => ({
  type: 'Document', id, attributes, parents: [{ type: 'Connector', id: parent }],
});
const RESOURCES: ResourceRef[] = [
  doc('handbook/a.md', { path: 'a.md', label: 'internal', connector: 'handbook' }),
  doc('handbook/hr/pay.md', { path: 'hr/pay.md', label: 'restricted', connector: 'handbook' }),
  doc('handbook/secret/x.md', { path: 'secret/x.md', label: 'public', connector: 'handbook' }),
  doc('wiki/eng/b.md', { path: 'eng/b.md', label: 'internal', connector: 'wiki' }),
  doc('wiki/exact.md', { path: 'exact.md', label: 'confidential', connector: 'wiki' }),
  doc('wiki/nolabel.md', { path: 'nolabel.md', connector: 'wiki' }),
  doc('wiki/odd.md', { path: 'odd.md', label: 'public', connector: 'wiki' }, 'handbook'),
  doc('wiki/odd*x.md', { path: 'odd*x.md', label: 'internal', connector: 'wiki' }),
  doc('handbook/a\\b.md', { path: 'a\\b.md', label: 'secret', connector: 'handbook' }),
  { type: 'Record', id: 'wiki/t/1', attributes: { table: 't', key: '1', label: 'public', connector: 'wiki' }, parents: [{ type: 'Table', id: 'wiki/t' }, { type: 'Connector', id: 'wiki' }] },
  { type: 'Record', id: 'wiki/u/2', attributes: { table: 'u', key: '2', label: 'public', connector: 'wiki' }, parents: [{ type: 'Table', id: 'wiki/u' }, { type: 'Connector', id: 'wiki' }] },
  { type: 'Connector', id: 'wiki', attributes: {}, parents: [] },
  { type: 'Connector', id: 'handbook', attributes: {}, parents: [] },
];
const ACTIONS: Power[] = ['read', 'search', 'draft', 'write'];
const connectorOfResource = (r: ResourceRef) => (r.type === 'Connector' ? r.id : r.id.slice(0, r.id.indexOf('/')));

function outcome(authorize: () => unknown): unknown {
  try {
    return authorize();
  } catch (err) {
    assert.ok(err instanceof GatehouseError, String(err));
    return err.code;
  }
}

function authorizerWith(options: CedarAuthorizerOptions) {
  const loaded = loadPolicySources([{ file: '/virtual/policies.cedar', text: POLICIES }], buildCedarSchema(CONFIG), '/virtual');
  return createCedarAuthorizer(CONFIG, loaded, { decisionCacheSize: 0, ...options });
}

describe('residual slices', () => {
  it('decide exactly as the policies as written: decisions, policy ids, reasons and failures', () => {
    const written = authorizerWith({ residualSlices: false });
    const residual = authorizerWith({});
    // Residuals evaluated by Cedar only, never natively (native-residuals.ts).
    const cedarOnly = authorizerWith({ nativeResiduals: false });
    // Evicting slices recycles their preparsed sets, shared ones included.
    const evicting = authorizerWith({ sliceCacheSize: 3 });
    let compared = 0;
    for (let round = 0; round < 2; round++) {
      for (const agent of CONFIG.agents) {
        const caller = (u: EndUser | undefined): Caller => ({
          agent: { name: agent.name, owner: agent.owner, description: undefined, groups: agent.groups, attributes: agent.attributes, actForUsers: agent.act_for_users }, keyId: 'k', user: u,
        });
        for (const resource of RESOURCES) {
          const connector = CONFIG.connectors.find((c) => c.name === connectorOfResource(resource));
          assert.ok(connector);
          const connectorFacts = { name: connector.name, type: connector.type, owner: connector.owner, powers: connector.powers };
          for (const action of ACTIONS) {
            for (const u of USERS) {
              for (const tool of <string[]>[`${connector.name}_${action}`, `${connector.name}_other`]) {
                const request: AuthorizationRequest = { caller: caller(u), action, connector: connectorFacts, resource, tool, operation: action };
                const label: string = `${agent.name} ${action} ${resource.id} user=${u?.id} tool=${tool}`;
                const expected = outcome(() => written.authorize(request));
                assert.deepEqual(outcome(() => residual.authorize(request)), expected, label);
                assert.deepEqual(outcome(() => cedarOnly.authorize(request)), expected, `${label} (Cedar only)`);
                assert.deepEqual(outcome(() => evicting.authorize(request)), expected, `${label} (evicting)`);
                compared++;
              }
            }
          }
        }
      }
    }
    assert.ok(compared > 1000);
    assert.ok(residual.stats.policiesEvaluated < written.stats.policiesEvaluated, 'residuals evaluate fewer policies');
    assert.ok(residual.stats.evaluations < written.stats.evaluations, 'some calls are decided without Cedar');
    assert.equal(cedarOnly.stats.nativeEvaluations, 0);
    // Most calls that would reach Cedar are decided natively; the rest (literals, actions, ...) by Cedar.
    assert.ok(residual.stats.nativeEvaluations > 2 * residual.stats.evaluations, JSON.stringify(residual.stats));
    assert.ok(residual.stats.evaluations > 0, 'some residuals are left to Cedar');
  });

  const helpdesk = CONFIG.agents.find((a) => a.name === 'helpdesk')!;
  const facts = (overrides: Partial<SliceFacts>): SliceFacts => ({
    agent: agentEntity({ name: helpdesk.name, owner: helpdesk.owner, description: undefined, groups: helpdesk.groups, attributes: helpdesk.attributes, actForUsers: true }, ALL_NEEDS)!,
    action: 'read', actingForUser: false, tool: undefined, operation: undefined, user: undefined, connector: 'handbook', resourceType: 'Document', ...overrides,
  });
  const loaded = loadPolicySources([{ file: '/virtual/policies.cedar', text: POLICIES }], buildCedarSchema(CONFIG), '/virtual');
  const pick = (...ids: string[]) => loaded.policies.filter((p) => ids.includes(p.id));

  it('drops what cannot apply, opens scopes the slice guarantees and merges identical residuals', () => {
    const residuals = residualPolicies(pick('tier-read', 'tier-read-copy', 'helpdesk-label', 'secret-path', 'public'), facts({}));
    assert.ok(residuals);
    const byId = new Map(residuals.map((r) => [r.id, r]));
    assert.deepEqual(byId.get('tier-read')?.ids, ['tier-read', 'tier-read-copy']);
    assert.equal(byId.get('tier-read')?.always, true, '`resource in` the slice\'s connector holds for all its resources');
    assert.deepEqual(byId.get('helpdesk-label')?.json.resource, { op: 'is', entity_type: 'Gatehouse::Document', in: { entity: { type: 'Gatehouse::Connector', id: 'wiki' } } },
      'a scope on another connector is kept');
    assert.equal(byId.has('secret-path'), false, 'another principal');
    assert.deepEqual(byId.get('public')?.json.conditions, [{ kind: 'when', body: { '==': { left: { '.': { left: { Var: 'resource' }, attr: 'label' } }, right: { Value: 'public' } } } }]);
  });

  it('binds tool and operation when known and leaves them to the call otherwise', () => {
    const search = pick('lead-search');
    const lead = CONFIG.agents.find((a) => a.name === 'lead')!;
    const agent = agentEntity({ name: lead.name, owner: lead.owner, description: undefined, groups: lead.groups, attributes: lead.attributes, actForUsers: false }, ALL_NEEDS)!;
    const base = facts({ agent, action: 'search', connector: 'wiki', resourceType: 'Connector' });
    assert.equal(residualPolicies(search, { ...base, tool: 'wiki_search' })?.[0]?.always, true);
    assert.deepEqual(residualPolicies(search, { ...base, tool: 'other' }), []);
    assert.deepEqual(residualPolicies(search, base)?.[0]?.json.conditions, [{ kind: 'when', body: { '==': { left: { '.': { left: { Var: 'context' }, attr: 'tool' } }, right: { Value: 'wiki_search' } } } }]);
  });

  it('folds a user profile into the residual', () => {
    const withUser = facts({ actingForUser: true });
    const unknownUser = residualPolicies(pick('restricted'), withUser);
    assert.match(JSON.stringify(unknownUser), /"attr":"user"/);
    // `resource.label == "restricted" && false` stays: reading the label may fail.
    const inHr = residualPolicies(pick('restricted'), { ...withUser, user: { groups: ['hr'], attributes: {} } });
    assert.match(JSON.stringify(inHr?.[0]?.json.conditions), /"right":\{"Value":false\}/);
    const outside = residualPolicies(pick('restricted'), { ...withUser, user: { groups: [], attributes: {} } });
    assert.deepEqual(outside?.[0]?.json.conditions, [{ kind: 'when', body: { '==': { left: { '.': { left: { Var: 'resource' }, attr: 'label' } }, right: { Value: 'restricted' } } } }]);
    for (const r of [inHr, outside]) assert.doesNotMatch(JSON.stringify(r), /user/);
  });
});
