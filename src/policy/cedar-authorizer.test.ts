import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { policyToJson, type PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import { parseConfig, type Config } from '../config/load.js';
import type { Caller, EndUser, Power, ResourceRef } from '../domain/types.js';
import { GatehouseError } from '../errors/catalog.js';
import type { AuthorizationRequest } from './authorizer.js';
import { createCedarAuthorizer, type CedarAuthorizerOptions } from './cedar-authorizer.js';
import { buildCedarSchema } from './cedar-schema.js';
import { policyScope } from './policy-index.js';
import { loadPolicySources } from './policy-loader.js';

const CONFIG = parseConfig(`
identity:
  user_assertion: { issuer: https://sso.example.com, secret: '\${env:SSO_SECRET}' }
  user_attributes: { clearance: long }
users: [{ id: alice, groups: [hr], attributes: { clearance: 3 } }]
connectors:
  - { name: handbook, type: files, owner: hr, purpose: Handbook, path: ./docs, powers: [read, search] }
  - { name: wiki, type: files, owner: it, purpose: Wiki, path: ./wiki, powers: [read, search] }
agents:
  - { name: helpdesk, owner: it, groups: [support], attributes: { tier: 1 }, act_for_users: true }
  - { name: lead, owner: it, groups: [support], attributes: { tier: 3 } }
  - { name: intern, owner: it, attributes: { tier: 0 } }
`, '/virtual/gatehouse.yaml', { SSO_SECRET: 'test-only-secret' });

const NS = 'Gatehouse';

function authorizer(text: string, options: CedarAuthorizerOptions = {}, config: Config = CONFIG) {
  const loaded = loadPolicySources([{ file: '/virtual/policies.cedar', text }], buildCedarSchema(config), '/virtual');
  return createCedarAuthorizer(config, loaded, options);
}

function caller(agent: string, user?: EndUser): Caller {
  const a = CONFIG.agents.find((x) => x.name === agent);
  assert.ok(a);
  return { agent: { name: a.name, owner: a.owner, description: undefined, groups: a.groups, attributes: a.attributes, actForUsers: a.act_for_users }, keyId: 'k', user };
}

const facts = (name: string) => ({ name, type: 'files', owner: 'hr', powers: ['read', 'search'] as Power[] });
const doc = (connector: string, path: string, label = 'internal'): ResourceRef => ({
  type: 'Document', id: `${connector}/${path}`, attributes: { path, label, connector }, parents: [{ type: 'Connector', id: connector }],
});
const conn = (name: string): ResourceRef => ({ type: 'Connector', id: name, attributes: {}, parents: [] });
const alice: EndUser = { id: 'alice', groups: ['hr'], attributes: { clearance: 3 } };

function request(agent: string, action: Power, resource: ResourceRef, options: { user?: EndUser; connector?: string; tool?: string } = {}): AuthorizationRequest {
  const connector = options.connector ?? (resource.type === 'Connector' ? resource.id : resource.parents[0]?.id ?? '');
  return { caller: caller(agent, options.user), action, connector: facts(connector), resource, tool: options.tool ?? `${connector}_${action}`, operation: action };
}

function evaluationFailure(fn: () => unknown): GatehouseError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof GatehouseError, String(err));
    assert.equal(err.code, 'POLICY_EVALUATION_FAILED');
    return err;
  }
  assert.fail('expected POLICY_EVALUATION_FAILED');
}

const READ_HANDBOOK = `@id("read-handbook") permit (principal == ${NS}::Agent::"helpdesk", action == ${NS}::Action::"read", resource in ${NS}::Connector::"handbook");`;
const RESTRICTED = `@id("restricted") @reason("hr only") @approval("none") forbid (principal, action, resource is ${NS}::Document)
  when { resource.label == "restricted" } unless { context has user && context.user in ${NS}::Group::"hr" };`;

describe('createCedarAuthorizer', () => {
  for (const [mode, options] of [['pruned', {}], ['validated', { validateRequests: true }]] as const) {
    describe(`decisions (${mode} entities)`, () => {
      it('denies by default', () => {
        const a = authorizer('', options);
        assert.equal(a.policyCount, 0);
        assert.deepEqual(a.authorize(request('helpdesk', 'read', doc('handbook', 'a.md'))), { allowed: false, policyIds: [], reason: undefined, annotations: {} });
      });

      it('allows by a permit and names it with its annotations', () => {
        const d = authorizer(READ_HANDBOOK, options).authorize(request('helpdesk', 'read', doc('handbook', 'a.md')));
        assert.deepEqual(d, { allowed: true, policyIds: ['read-handbook'], reason: undefined, annotations: { 'read-handbook': { id: 'read-handbook' } } });
      });

      it('lets a forbid override a permit and reports its @reason', () => {
        const a = authorizer(`${READ_HANDBOOK}\n${RESTRICTED}`, options);
        const denied = a.authorize(request('helpdesk', 'read', doc('handbook', 'hr/pay.md', 'restricted')));
        assert.equal(denied.allowed, false);
        assert.deepEqual(denied.policyIds, ['restricted']);
        assert.equal(denied.reason, 'hr only');
        assert.deepEqual(denied.annotations['restricted'], { id: 'restricted', reason: 'hr only', approval: 'none' });
        assert.equal(a.authorize(request('helpdesk', 'read', doc('handbook', 'hr/pay.md', 'restricted'), { user: alice })).allowed, true);
      });

      it('keeps policies scoped to other agents, connectors, types and actions out of the decision', () => {
        const a = authorizer(READ_HANDBOOK, options);
        assert.equal(a.authorize(request('lead', 'read', doc('handbook', 'a.md'))).allowed, false);
        assert.equal(a.authorize(request('helpdesk', 'read', doc('wiki', 'a.md'))).allowed, false);
        assert.equal(a.authorize(request('helpdesk', 'search', conn('handbook'))).allowed, false);
        assert.equal(a.authorize(request('helpdesk', 'read', conn('handbook'))).allowed, true);
      });

      it('applies group-scoped policies to members only', () => {
        const a = authorizer(`permit (principal in ${NS}::Group::"support", action == ${NS}::Action::"search", resource == ${NS}::Connector::"wiki");`, options);
        assert.equal(a.authorize(request('lead', 'search', conn('wiki'))).allowed, true);
        assert.equal(a.authorize(request('intern', 'search', conn('wiki'))).allowed, false);
      });

      it('reads agent, user and literal entity attributes, and the context', () => {
        const a = authorizer(`
permit (principal, action == ${NS}::Action::"read", resource is ${NS}::Document)
  when { principal has tier && ${NS}::Agent::"lead" has tier && principal.tier >= ${NS}::Agent::"lead".tier };
permit (principal, action == ${NS}::Action::"search", resource)
  when { context.tool == "wiki_search" && context has user && context.user has clearance && context.user.clearance > 2 };`, options);
        assert.equal(a.authorize(request('lead', 'read', doc('wiki', 'a.md'))).allowed, true);
        assert.equal(a.authorize(request('helpdesk', 'read', doc('wiki', 'a.md'))).allowed, false);
        assert.equal(a.authorize(request('helpdesk', 'search', conn('wiki'), { user: alice })).allowed, true);
        assert.equal(a.authorize(request('helpdesk', 'search', conn('wiki'), { user: alice, tool: 'other' })).allowed, false);
        assert.equal(a.authorize(request('helpdesk', 'search', conn('wiki'), { user: { ...alice, attributes: { clearance: 1 } } })).allowed, false);
      });

      it('stays sound for resources outside the id conventions', () => {
        const a = authorizer(`${READ_HANDBOOK}\nforbid (principal, action, resource == ${NS}::Document::"wiki/secret.md");`, options);
        const odd: ResourceRef = { ...doc('wiki', 'secret.md'), parents: [{ type: 'Connector', id: 'handbook' }] };
        assert.equal(a.authorize(request('helpdesk', 'read', odd, { connector: 'handbook' })).allowed, false);
        assert.equal(a.authorize(request('helpdesk', 'read', doc('handbook', 'ok.md'))).allowed, true);
      });
    });
  }

  it('fails closed when a policy cannot be evaluated', () => {
    const a = authorizer(RESTRICTED);
    const broken: ResourceRef = { type: 'Document', id: 'handbook/x.md', attributes: { path: 'x.md' }, parents: [{ type: 'Connector', id: 'handbook' }] };
    const err = evaluationFailure(() => a.authorize(request('helpdesk', 'read', broken)));
    assert.match(err.message, /could not decide whether agent "helpdesk" may read Document "handbook\/x\.md"/);
  });

  it('fails closed on a user attribute of the wrong type', () => {
    const a = authorizer(`permit (principal, action, resource) when { context has user && context.user has clearance && context.user.clearance > 2 };`);
    evaluationFailure(() => a.authorize(request('helpdesk', 'search', conn('wiki'), { user: { ...alice, attributes: { clearance: 'high' } } })));
  });

  it('caches exact decisions only', () => {
    // Cached are the calls that reach Cedar; residuals of the native subset are evaluated anew.
    const a = authorizer(`${READ_HANDBOOK}\n${RESTRICTED}`, { nativeResiduals: false });
    const r = request('helpdesk', 'read', doc('handbook', 'a.md'));
    assert.equal(a.authorize(r).allowed, true);
    assert.equal(a.authorize(r).allowed, true);
    assert.equal(a.stats.evaluations, 1);
    assert.equal(a.authorize(request('helpdesk', 'read', doc('handbook', 'a.md', 'restricted'))).allowed, false);
    assert.equal(a.stats.evaluations, 2);
    const native = authorizer(`${READ_HANDBOOK}\n${RESTRICTED}`);
    assert.equal(native.authorize(r).allowed, true);
    assert.equal(native.authorize(r).allowed, true);
    assert.deepEqual([native.stats.evaluations, native.stats.nativeEvaluations, native.stats.cacheHits], [0, 2, 0]);
  });

  it('evicts slices beyond the cache size and still decides correctly', () => {
    const a = authorizer(`${READ_HANDBOOK}\npermit (principal == ${NS}::Agent::"lead", action, resource in ${NS}::Connector::"wiki");`, { sliceCacheSize: 2, decisionCacheSize: 0 });
    for (let round = 0; round < 3; round++) {
      assert.equal(a.authorize(request('helpdesk', 'read', doc('handbook', 'a.md'))).allowed, true);
      assert.equal(a.authorize(request('lead', 'read', doc('wiki', 'a.md'))).allowed, true);
      assert.equal(a.authorize(request('lead', 'write', doc('wiki', 'a.md'))).allowed, true);
      assert.equal(a.authorize(request('intern', 'read', doc('wiki', 'a.md'))).allowed, false);
    }
    assert.ok(a.stats.slicesCached <= 2);
    assert.ok(a.stats.slicesBuilt >= 9);
  });
});

describe('mayUse', () => {
  const a = authorizer(`${READ_HANDBOOK}\n${RESTRICTED}
permit (principal == ${NS}::Agent::"lead", action == ${NS}::Action::"read", resource is ${NS}::Document in ${NS}::Connector::"wiki") when { resource.label == "public" };
@id("no-unattended-writes") forbid (principal, action == ${NS}::Action::"write", resource) unless { context.acting_for_user };
permit (principal, action == ${NS}::Action::"write", resource in ${NS}::Connector::"wiki");`);
  const use = (agent: string, action: Power, connector: string, user?: EndUser) => a.mayUse(caller(agent, user), action, facts(connector), `${connector}_${action}`, action);

  it('offers a tool some resource may be used with', () => {
    assert.equal(use('helpdesk', 'read', 'handbook'), true);
    assert.equal(use('lead', 'read', 'wiki'), true, 'a conditional permit may apply to some document');
    assert.equal(use('helpdesk', 'write', 'wiki', alice), true);
  });

  it('hides a tool no permit can allow, or a forbid always blocks', () => {
    assert.equal(use('helpdesk', 'search', 'handbook'), false);
    assert.equal(use('lead', 'read', 'handbook'), false);
    assert.equal(use('helpdesk', 'write', 'wiki'), false, 'the forbid applies whatever the resource');
  });
});

describe('policyScope', () => {
  const scope = (text: string) => {
    const answer = policyToJson(text);
    assert.equal(answer.type, 'success');
    return policyScope((answer as { json: PolicyJson }).json);
  };
  it('keys policies by principal, connector, resource type and action', () => {
    assert.deepEqual(scope(READ_HANDBOOK), { principal: 'agent:helpdesk', connector: 'connector:handbook', resourceType: '*', actions: ['read'] });
    assert.deepEqual(scope(`permit (principal in ${NS}::Group::"g", action in [${NS}::Action::"read", ${NS}::Action::"search"], resource is ${NS}::Document in ${NS}::Connector::"c");`),
      { principal: 'group:g', connector: 'connector:c', resourceType: 'Document', actions: ['read', 'search'] });
    assert.deepEqual(scope(`permit (principal is ${NS}::Agent, action, resource == ${NS}::Document::"c/a/b.md");`),
      { principal: '*', connector: 'connector:c', resourceType: 'Document', actions: undefined });
    assert.deepEqual(scope(`permit (principal, action, resource == ${NS}::Connector::"c");`), { principal: '*', connector: 'connector:c', resourceType: 'Connector', actions: undefined });
    assert.deepEqual(scope(`forbid (principal, action, resource == ${NS}::Document::"no-slash");`), { principal: '*', connector: '*', resourceType: 'Document', actions: undefined });
  });
});
