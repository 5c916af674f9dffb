/**
 * Native evaluation of policy sets against Cedar: decisions, deciding and failing policies, scopes;
 * and requests outside the native domain, which must be handed to Cedar rather than guessed at.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAuthorized, policyToJson, type EntityJson, type PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import { compilePolicies, evaluateNative } from './native-residuals.js';
import type { RequestInput } from './native-values.js';

const uid = (type: string, id: string) => ({ type: `Gatehouse::${type}`, id });
const doc = (attrs: Record<string, unknown>, parents = [uid('Connector', 'wiki')]): EntityJson => ({ uid: uid('Document', 'wiki/a.md'), attrs: attrs as EntityJson['attrs'], parents });
const agent: EntityJson = { uid: uid('Agent', 'a'), attrs: { tier: 2 }, parents: [uid('Group', 'support')] };

function request(entities: unknown[], context: Record<string, unknown> = { tool: 'wiki_read' }, resource = uid('Document', 'wiki/a.md')): RequestInput {
  return { principal: uid('Agent', 'a'), action: uid('Action', 'read'), resource, context, entities: entities as RequestInput['entities'] };
}

function policies(texts: Record<string, string>): Record<string, PolicyJson> {
  return Object.fromEntries(Object.entries(texts).map(([id, text]) => {
    const answer = policyToJson(text);
    assert.equal(answer.type, 'success', text);
    return [id, (answer as { json: PolicyJson }).json];
  }));
}

function compiled(set: Record<string, PolicyJson>) {
  const out = compilePolicies(Object.entries(set).map(([id, json]) => ({ id, effect: json.effect, json })));
  assert.ok(out, 'compiles');
  return out;
}

/** [allowed, deciding ids, failing ids], from Cedar or natively; 'failure' when Cedar refuses the call. */
function cedar(set: Record<string, PolicyJson>, call: RequestInput): unknown {
  let answer;
  try {
    answer = isAuthorized({ ...(call as never as object), policies: { staticPolicies: set }, validateRequest: false } as Parameters<typeof isAuthorized>[0]);
  } catch {
    return 'failure';
  }
  if (answer.type !== 'success') return 'failure';
  const { decision, diagnostics } = answer.response;
  return [decision === 'allow', [...diagnostics.reason].sort(), diagnostics.errors.map((e) => e.policyId).sort()];
}
function native(set: Record<string, PolicyJson>, call: RequestInput): unknown {
  const verdict = evaluateNative(compiled(set), call);
  return verdict === undefined ? undefined : [verdict.allowed, [...verdict.reason].sort(), [...verdict.errored].sort()];
}

const FULL = request([agent, doc({ label: 'public', size: 3 })]);
const BARE = request([]);

describe('native evaluation of policy sets', () => {
  it('combines policies as Cedar does: forbids win, every policy is evaluated, failures are reported', () => {
    const sets: Record<string, string>[] = [
      {},
      { p: 'permit (principal, action, resource);' },
      { p: 'permit (principal, action, resource);', q: 'permit (principal, action, resource) when { resource.label == "public" };' },
      { p: 'permit (principal, action, resource);', f: 'forbid (principal, action, resource) when { resource.size > 2 };' },
      { f1: 'forbid (principal, action, resource);', f2: 'forbid (principal, action, resource) unless { false };', p: 'permit (principal, action, resource);' },
      // a satisfied forbid does not stop Cedar from evaluating (and reporting) a failing permit, and vice versa
      { f: 'forbid (principal, action, resource);', p: 'permit (principal, action, resource) when { resource.nothing == 1 };' },
      { p: 'permit (principal, action, resource);', f: 'forbid (principal, action, resource) when { resource.label < 1 };' },
      { p: 'permit (principal, action, resource) when { resource.size };', q: 'permit (principal, action, resource) unless { "x" };' },
      { p: 'permit (principal, action, resource) when { true } unless { resource.nothing } when { false };' },
      { p: 'permit (principal, action, resource) when { false } when { resource.nothing };' },
      { p: 'permit (principal, action, resource) unless { resource.label == "public" } when { 1 };' },
    ];
    let compared = 0;
    for (const texts of sets) {
      const set = policies(texts);
      for (const call of [FULL, BARE]) {
        assert.deepEqual(native(set, call), cedar(set, call), JSON.stringify(texts));
        compared++;
      }
    }
    assert.equal(compared, 2 * sets.length);
  });

  it('evaluates principal and resource scopes as Cedar does', () => {
    const scopes = [
      'principal == Gatehouse::Agent::"a"', 'principal == Gatehouse::Agent::"b"', 'principal in Gatehouse::Group::"support"',
      'principal in Gatehouse::Group::"hr"', 'principal is Gatehouse::Agent', 'principal is Gatehouse::User',
      'principal is Gatehouse::Agent in Gatehouse::Group::"support"', 'principal is Gatehouse::Agent in Gatehouse::Group::"hr"',
    ].flatMap((p) => [
      'resource', 'resource == Gatehouse::Document::"wiki/a.md"', 'resource in Gatehouse::Connector::"wiki"', 'resource in Gatehouse::Connector::"x"',
      'resource is Gatehouse::Document', 'resource is Gatehouse::Record in Gatehouse::Connector::"wiki"', 'resource is Gatehouse::Document in Gatehouse::Connector::"wiki"',
    ].map((r) => `permit (${p}, action, ${r});`));
    for (const text of scopes) {
      const set = policies({ p: text });
      for (const call of [FULL, BARE]) assert.deepEqual(native(set, call), cedar(set, call), text);
    }
  });

  it('hands requests outside the native domain to Cedar', () => {
    const set = policies({ p: 'permit (principal, action, resource) when { resource has label };' });
    const holes: unknown[] = [1];
    holes[2] = 2;
    const sparse: unknown[] = [];
    sparse[1] = agent;
    const outside: [string, RequestInput][] = [
      ['a fraction', request([doc({ x: 1.5 })])],
      ['a long past 2^53', request([doc({ x: 2 ** 53 + 2 })])],
      ['a long past 2^63', request([doc({ x: 1e20 })])],
      ['NaN', request([doc({ x: Number.NaN })])],
      ['null', request([doc({ x: null })])],
      ['undefined', request([doc({ x: undefined })])],
      ['a lone surrogate', request([doc({ x: 'a\ud800' })])],
      ['a lone surrogate in an id', request([], { tool: 'x' }, uid('Document', '\udc00'))],
      ['a lone surrogate in the context', request([], { tool: '\ud800' })],
      ['a record attribute', request([doc({ x: { a: 1 } })])],
      ['an entity attribute', request([doc({ x: { __entity: uid('User', 'u') } })])],
      ['an extension value', request([], { t: { __extn: { fn: 'decimal', arg: '1.0' } } })],
      ['a context that is an entity', request([], { __entity: uid('User', 'u') })],
      ['an attribute named like an escape', request([doc({ __entity: 'x' })])],
      ['a duplicate entity', request([doc({ label: 'a' }), doc({ label: 'b' })])],
      ['a parent cycle', request([doc({}, [uid('Document', 'wiki/a.md')])])],
      ['a parent among the entities', request([doc({}, [uid('Agent', 'a')]), agent])],
      ['an entity type of another namespace', request([], {}, { type: 'Other::Document', id: 'x' })],
      ['a malformed entity type', request([], {}, { type: 'Gatehouse::in', id: 'x' })],
      ['an entity with tags', request([{ ...doc({}), tags: {} }])],
      ['a set with a hole', request([doc({ x: holes })])],
      ['a hole among the entities', request(sparse)],
      ['a context value that is not a plain object', request([], { when: new Date(0) })],
      ['an attribute value that is not a plain array or object', request([doc({ x: new Map() })])],
      ['an entity reference with extra keys', request([], { u: { __entity: uid('User', 'u'), x: 1 } })],
      ['a uid with extra keys', { ...request([]), principal: { ...uid('Agent', 'a'), x: 1 } }],
    ];
    for (const [what, call] of outside) assert.equal(native(set, call), undefined, what);
    // Within the domain: -0 is the long 0.
    const zero = policies({ p: 'permit (principal, action, resource) when { resource.x == 0 };' });
    const minusZero = request([doc({ x: -0 })]);
    assert.deepEqual(native(zero, minusZero), cedar(zero, minusZero));
  });

  it('does not compile what it does not implement', () => {
    for (const text of ['permit (principal, action == Gatehouse::Action::"read", resource);', 'permit (principal, action in [Gatehouse::Action::"read"], resource);',
      'permit (principal == Other::Agent::"a", action, resource);', 'permit (principal, action, resource) when { context.x.lessThan(decimal("1.0")) };']) {
      const set = policies({ p: text });
      assert.equal(compilePolicies([{ id: 'p', effect: 'permit', json: set['p'] as PolicyJson }]), undefined, text);
    }
  });
});
