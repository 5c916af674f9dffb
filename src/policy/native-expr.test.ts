/**
 * Differential tests of native evaluation against Cedar itself: every operator of the native subset,
 * with type errors, missing attributes and entities, overflow, `like` escapes, entity comparisons and
 * set operations, then randomly generated expressions, each over requests of different shapes. Where
 * native evaluation answers, it must answer as Cedar does; where it cannot, it must say so.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAuthorized, policyToJson, type EntityJson, type PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import { likeMatcher } from './native-expr.js';
import { compilePolicies, evaluateNative } from './native-residuals.js';

const NS = 'Gatehouse';
const uid = (type: string, id: string) => ({ type: `${NS}::${type}`, id });
const entity = (type: string, id: string, attrs: Record<string, unknown>, parents: [string, string][] = []): EntityJson => ({
  uid: uid(type, id), attrs: attrs as EntityJson['attrs'], parents: parents.map(([t, i]) => uid(t, i)),
});

/** A request as both Cedar and native evaluation take it. */
interface Call {
  readonly principal: { type: string; id: string };
  readonly action: { type: string; id: string };
  readonly resource: { type: string; id: string };
  readonly context: Record<string, unknown>;
  readonly entities: EntityJson[];
}
const call = (resource: [string, string], context: Record<string, unknown>, entities: EntityJson[]): Call => ({
  principal: uid('Agent', 'a'), action: uid('Action', 'read'), resource: uid(...resource), context, entities,
});
const agent = entity('Agent', 'a', { owner: 'it', tier: 2, team: 't1' }, [['Group', 'support']]);
const user = (attrs: Record<string, unknown>, groups: string[]) => entity('User', 'u', attrs, groups.map((g) => ['Group', g] as [string, string]));
const contextWithUser = { tool: 'wiki_read', operation: 'read', acting_for_user: true, user: { __entity: uid('User', 'u') }, big: 9007199254740991, rec: { a: 1, s: 'x' } };

/** Requests of different shapes: full, sparse, missing entities, odd strings and numbers, a connector. */
const CALLS: readonly Call[] = [
  call(['Document', 'wiki/a.md'], contextWithUser, [
    agent, user({ dept: 'd1', clearance: 3 }, ['hr']),
    entity('Document', 'wiki/a.md', { path: 'eng/a.md', label: 'public', size: 10, tags: ['x', 'y'], flag: true }, [['Connector', 'wiki']]),
  ]),
  call(['Document', 'wiki/b.md'], { tool: 'wiki_search', operation: 'search', acting_for_user: false }, [
    entity('Document', 'wiki/b.md', { path: 'eng/x.md' }, [['Connector', 'wiki']]),
  ]),
  call(['Document', 'handbook/c.md'], { ...contextWithUser, big: -9007199254740991 }, [agent]),
  call(['Record', 'crm/1'], { ...contextWithUser, tool: '🙂*\\', rec: {} }, [
    agent, user({ dept: 'd2' }, ['hr', 'ops']),
    entity('Record', 'crm/1', { path: '🙂/a*b\\c.md', label: 'a*bc', size: -5, tags: [], flag: false, emoji: '🙂x🙂' }, [['Connector', 'crm'], ['Group', 'hr']]),
  ]),
  call(['Connector', 'wiki'], { tool: 'wiki_search', operation: 'search', acting_for_user: false, big: 0 }, [
    agent, entity('Connector', 'wiki', { type: 'files', owner: 'it', powers: ['read', 'search'] }),
  ]),
];

/** Cedar's outcome: allow/deny with the deciding and the failing policies, or the call's failure. */
function cedarOutcome(policies: Record<string, PolicyJson>, c: Call): string {
  let answer;
  try {
    answer = isAuthorized({ ...c, context: c.context as Record<string, never>, policies: { staticPolicies: policies }, validateRequest: false });
  } catch {
    return 'failure';
  }
  if (answer.type !== 'success') return 'failure';
  const { decision, diagnostics } = answer.response;
  return JSON.stringify([decision === 'allow', [...diagnostics.reason].sort(), diagnostics.errors.map((e) => e.policyId).sort()]);
}

/** Native outcome in the same form, or undefined when native evaluation hands the call to Cedar. */
function nativeOutcome(policies: Record<string, PolicyJson>, c: Call): string | undefined {
  const compiled = compilePolicies(Object.entries(policies).map(([id, json]) => ({ id, effect: json.effect, json })));
  assert.ok(compiled, 'compiles');
  const verdict = evaluateNative(compiled, c);
  return verdict === undefined ? undefined : JSON.stringify([verdict.allowed, [...verdict.reason].sort(), [...verdict.errored].sort()]);
}

function policyJson(text: string): PolicyJson {
  const answer = policyToJson(text);
  assert.equal(answer.type, 'success', text);
  return (answer as { json: PolicyJson }).json;
}

interface Counts {
  native: number;
  cedar: number;
  allowed: number;
  denied: number;
  failed: number;
}
const counts = (): Counts => ({ native: 0, cedar: 0, allowed: 0, denied: 0, failed: 0 });

/** Compare one condition, as a permit's `when` and as a forbid's `unless`, over every request. */
function compare(condition: string, counts: Counts, mustDecide = true): void {
  const policies = {
    p: policyJson(`permit (principal, action, resource) when { ${condition} };`),
    f: policyJson(`forbid (principal, action, resource) unless { ${condition} };`),
    base: policyJson('permit (principal, action, resource is Gatehouse::Document);'),
  };
  for (const [i, c] of CALLS.entries()) {
    const native = nativeOutcome(policies, c);
    if (native === undefined) {
      assert.ok(!mustDecide, `${condition} (request ${i}) was handed to Cedar`);
      counts.cedar++;
      continue;
    }
    counts.native++;
    assert.equal(native, cedarOutcome(policies, c), `${condition} (request ${i})`);
    const [allowed, , errored] = JSON.parse(native) as [boolean, string[], string[]];
    counts[errored.length > 0 ? 'failed' : allowed ? 'allowed' : 'denied']++;
  }
}

/** Conditions for every operator of the native subset, failing ones included. */
const CONDITIONS = [
  // booleans, short-circuits and non-boolean conditions
  'true', 'false', '1', '"s"', '!true', '!resource.flag', '!resource.size', 'true && false', 'false && (1 < "a")',
  'true || (1 < "a")', 'true && 1', '1 && true', 'false || 1', 'true || 1', 'resource.flag || resource.nothing',
  'resource.flag && resource.nothing', '(if resource.flag then "a" else 2) == "a"', 'if 1 then true else false',
  'if context.acting_for_user then context.user.dept == "d1" else false', 'if false then resource.nothing else true',
  // equality never fails; values of different types differ; sets and records compare by content
  'resource.label == "public"', 'resource.label != "public"', '1 == true', '"1" == 1', 'resource == Gatehouse::Document::"wiki/a.md"',
  'resource == principal', 'principal == Gatehouse::Agent::"a"', 'context.user == Gatehouse::User::"u"', 'context.user != Gatehouse::Agent::"u"',
  '[1, 2] == [2, 1, 1]', '[1, "1"] == [1]', '{a: 1, b: "x"} == {b: "x", a: 1}', '{a: 1} == {a: 1, b: 2}', 'resource.tags == ["y", "x"]',
  'context.rec == {a: 1, s: "x"}', 'resource.nothing == 1', 'resource.tags == resource.tags', '[] == []', '-0 == 0',
  // comparisons on longs only
  'resource.size < 10', 'resource.size <= 10', 'resource.size > -6', 'resource.size >= 11', 'resource.label < "z"', 'true < false',
  'context.big > 9007199254740990', 'principal.tier >= 2 && principal.tier < 3', '[1] < [2]',
  // arithmetic; results a double cannot hold are Cedar's to compute (or to fail on overflow)
  'resource.size + 1 == 11', 'resource.size - 20 < 0', 'resource.size * 3 == 30', '-resource.size == -10', '-(resource.size) > 0',
  'resource.size + "a" == 1', 'context.big - 1 > 0', 'context.big * 0 == 0', 'context.big * -1 < 0',
  // attributes and `has`, on entities (present or not) and records
  'resource has label', 'resource has nothing', 'resource.nothing', 'principal has tier && principal.tier >= 2', 'context has user',
  'context has nope', 'context.nope', 'context has user && context.user has dept', 'context has user && context.user.dept == "d1"',
  'context.user.dept == "d1"', 'resource.label has x', 'resource.label.x == 1', 'Gatehouse::User::"ghost".x == 1', 'Gatehouse::User::"ghost" has x',
  'context.rec.a == 1', 'context.rec has a', 'context["tool"] == "wiki_read"', 'resource["path"] like "eng/*"', '{a: 1} has a', '{a: 1}.b == 1',
  '{a: resource.size}.a == 10', 'principal.owner == "it"', 'resource.powers.contains("read")',
  // like: wildcards, overlaps, escapes, unicode, non-strings
  'resource.path like "eng/*"', 'resource.path like "*"', 'resource.path like ""', 'resource.path like "*.md"', 'resource.path like "e*g*d"',
  'resource.path like "*a*a*"', '"aa" like "a*a"', '"a" like "a*a"', '"" like "*"', '"abc" like "**c"', '"abc" like "a**"',
  'resource.label like "a\\*bc"', 'resource.label like "a\\**"', 'resource.path like "*\\\\c.md"', 'context.tool like "🙂\\*\\\\"',
  'context.tool like "*_read"', 'resource.emoji like "🙂*"', 'resource.emoji like "*🙂"', 'resource.emoji like "🙂?🙂"',
  'resource.emoji like "🙂*🙂*🙂"', 'resource.size like "1*"', 'resource.nothing like "*"',
  // is, is ... in
  'resource is Gatehouse::Document', 'resource is Gatehouse::Record', 'principal is Gatehouse::Agent in Gatehouse::Group::"support"',
  'resource is Gatehouse::Document in Gatehouse::Connector::"wiki"', 'resource is Gatehouse::Document in Gatehouse::Connector::"other"',
  'context.tool is Gatehouse::Document', 'context has user && context.user is Gatehouse::User in [Gatehouse::Group::"hr", Gatehouse::Group::"ops"]',
  'resource is Gatehouse::Record in 1', 'resource is Gatehouse::Document in 1',
  // in: entities, sets of entities, ancestors, non-entities
  'resource in Gatehouse::Connector::"wiki"', 'resource in resource', 'resource in [Gatehouse::Connector::"x", Gatehouse::Connector::"wiki"]',
  'resource in []', 'resource in [resource, 1]', 'resource in 1', '1 in resource', 'principal in Gatehouse::Group::"support"',
  'context.user in Gatehouse::Group::"hr"', 'Gatehouse::User::"ghost" in Gatehouse::Group::"hr"', 'Gatehouse::Group::"hr" in Gatehouse::Group::"hr"',
  'resource in Gatehouse::Document::"wiki/a.md"', 'resource in Gatehouse::Group::"hr"', 'Gatehouse::Connector::"wiki" in resource',
  // sets
  '["a", "public"].contains(resource.label)', 'resource.tags.contains("x")', 'resource.tags.containsAll(["x"])',
  'resource.tags.containsAny(["q", "y"])', 'resource.tags.containsAll([])', 'resource.tags.containsAny([])', 'resource.label.contains("a")',
  'resource.tags.containsAll("x")', 'resource.tags.containsAny(1)', '[[1], [2]].contains([1])', '[{a: 1}].contains({a: 1})',
  'resource.tags.isEmpty()', '[].isEmpty()', 'resource.label.isEmpty()', '[resource.nothing].isEmpty()', '[1, resource].contains(resource)',
  '[resource.label, resource.size].containsAll([10, "public"])', '[context.user].contains(Gatehouse::User::"u")',
];

/** Conditions outside the native subset: the policy must not compile. */
const NOT_NATIVE = [
  'action == Gatehouse::Action::"read"', 'decimal("1.0").lessThan(decimal("2.0"))', 'resource has a.b', 'ip("1.2.3.4").isIpv4()',
  'principal.hasTag("x")', '9223372036854775807 > 0', '-9223372036854775808 < 0', 'principal.getTag("x") == 1',
];

describe('native evaluation of the Cedar subset, against Cedar', () => {
  it('decides every operator as Cedar does, failures included', () => {
    const seen = counts();
    // Arithmetic past 2^53 is handed to Cedar; everything else must be decided natively.
    const handedOver = new Set(['context.big - 1 > 0', 'context.big * -1 < 0']);
    for (const condition of CONDITIONS) compare(condition, seen, !handedOver.has(condition));
    assert.ok(seen.native > 5 * CONDITIONS.length - 10);
    assert.ok(seen.allowed > 100 && seen.denied > 100 && seen.failed > 100, JSON.stringify(seen));
  });

  it('leaves the rest of Cedar to Cedar', () => {
    for (const condition of NOT_NATIVE) {
      const json = policyJson(`permit (principal, action, resource) when { ${condition} };`);
      assert.equal(compilePolicies([{ id: 'p', effect: 'permit', json }]), undefined, condition);
    }
    const scoped = policyJson(`permit (principal, action == ${NS}::Action::"read", resource);`);
    assert.equal(compilePolicies([{ id: 'p', effect: 'permit', json: scoped }]), undefined, 'action scopes may depend on action groups');
    assert.equal(likeMatcher([{ Literal: 'ab' }]), undefined, 'a literal of more than one character');
    const nested = (n: number) => `${'(true && '.repeat(n)}true${')'.repeat(n)}`;
    const deep = policyJson(`permit (principal, action, resource) when { ${nested(60)} };`);
    assert.equal(compilePolicies([{ id: 'p', effect: 'permit', json: deep }]), undefined, 'nested too deeply');
    const shallow = policyJson(`permit (principal, action, resource) when { ${nested(20)} };`);
    assert.ok(compilePolicies([{ id: 'p', effect: 'permit', json: shallow }]));
  });

  it('agrees with Cedar on random expressions', (t) => {
    const seen = counts();
    const random = seeded(7);
    for (let i = 0; i < 700; i++) compare(expression(random, 4), seen, false);
    t.diagnostic(JSON.stringify(seen));
    // Random expressions fail often; most must still be decided natively, some allowed, some denied.
    assert.ok(seen.native > 0.9 * (seen.native + seen.cedar) && seen.allowed > 100 && seen.denied > 100, JSON.stringify(seen));
  });
});

/** Deterministic PRNG (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Kind = 'bool' | 'long' | 'string' | 'entity' | 'set' | 'record';
const KINDS: readonly Kind[] = ['bool', 'long', 'string', 'entity', 'set', 'record'];
const LEAVES: Record<Kind, readonly string[]> = {
  bool: ['true', 'false', 'resource.flag', 'context.acting_for_user', '(resource has label)', '(context has user)'],
  long: ['0', '1', '-3', '10', 'resource.size', 'principal.tier', 'context.big', 'context.rec.a'],
  string: ['"public"', '"eng/a.md"', '""', '"x"', 'resource.label', 'resource.path', 'context.tool', 'context.user.dept'],
  entity: ['principal', 'resource', 'context.user', `${NS}::Group::"hr"`, `${NS}::Connector::"wiki"`, `${NS}::User::"u"`, `${NS}::Document::"wiki/a.md"`],
  set: ['[]', '["x", "y"]', '[1, 2]', 'resource.tags', 'resource.powers', `[${NS}::Group::"hr", ${NS}::Connector::"wiki"]`],
  record: ['context.rec', '{a: 1}', '{a: 1, s: "x"}', 'context'],
};

/**
 * A random expression of the native subset, mostly of the kind asked for (so that most evaluate);
 * one operand in twelve is of any kind, which exercises type errors.
 */
function expression(random: () => number, depth: number, kind: Kind = 'bool'): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const sub = (k: Kind) => expression(random, depth - 1, random() < 1 / 12 ? pick(KINDS) : k);
  if (depth === 0 || random() < 0.25) return pick(LEAVES[kind]);
  const any = pick(KINDS);
  switch (kind) {
    case 'bool': return pick([
      () => `(${sub('bool')} ${pick(['&&', '||'])} ${sub('bool')})`, () => `!(${sub('bool')})`,
      () => `(${sub(any)} ${pick(['==', '!='])} ${sub(any)})`, () => `(${sub('long')} ${pick(['<', '<=', '>', '>='])} ${sub('long')})`,
      () => `(${sub('string')} like ${pick(['"e*"', '"*"', '"*a*"', '"pub*c"', '""', '"x"'])})`,
      () => `(${sub('entity')} in ${random() < 0.5 ? sub('entity') : `[${sub('entity')}, ${sub('entity')}]`})`,
      () => `(${sub('entity')} is ${pick(['Gatehouse::Document', 'Gatehouse::User in Gatehouse::Group::"hr"', 'Gatehouse::Agent'])})`,
      () => `(${sub('set')}).contains(${sub(any)})`, () => `(${sub('set')}).${pick(['containsAll', 'containsAny'])}(${sub('set')})`,
      () => `(${sub('set')}).isEmpty()`, () => `(${sub(pick(['entity', 'record']))} has ${pick(['label', 'a', 'dept', 'tier'])})`,
      () => `(if ${sub('bool')} then ${sub('bool')} else ${sub('bool')})`,
    ])();
    case 'long': return pick([
      () => `(${sub('long')} ${pick(['+', '-', '*'])} ${sub('long')})`, () => `-(${sub('long')})`,
      () => `(if ${sub('bool')} then ${sub('long')} else ${sub('long')})`, () => `{a: ${sub('long')}}.a`,
    ])();
    case 'string': return pick([() => `(if ${sub('bool')} then ${sub('string')} else ${sub('string')})`, () => `{s: ${sub('string')}}.s`])();
    case 'entity': return `(if ${sub('bool')} then ${sub('entity')} else ${sub('entity')})`;
    case 'set': return `[${sub(any)}, ${sub(any)}]`;
    default: return `{a: ${sub('long')}, b: ${sub(any)}}`;
  }
}
