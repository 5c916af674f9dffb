/**
 * Authorization time of the Cedar authorizer at 10, 1,000 and 10,000 generated policies.
 *
 *   npm run build && node dist/bench/policy-bench.js [--sizes 10,1000,10000] [--runs 5] [--calls 2000]
 *
 * Policies are generated with a fixed seed: a few global invariants, per-agent permits with
 * conditions (labels, paths, agent and user attributes, context), per-agent forbids with reasons,
 * group-scoped permits and connector-scoped policies. Requests come from a pool of active agents
 * calling their own connectors (some denied). Each size is loaded through the real loader (parse +
 * strict validation); slices are warmed once, then every run times each authorize() call.
 * Reports p50 and p99 in µs (median over runs): "evaluated" with the decision cache off, so every
 * call is a miss (decided by evaluating residual policies natively, by Cedar, or by residuals that
 * apply unconditionally), with the p50 of each path; "Cedar residuals" the same without native
 * evaluation (every residual that is not constant goes to Cedar, as before native evaluation); and
 * "repeated" with the cache on, over the same pool replayed (cache hits, and native decisions, which
 * are not cached). Then load time, policies per Cedar call, the cost of the first call of a slice or
 * evaluation (building it), and a cross-check of every decision against the policies as written.
 */
import { parseArgs } from 'node:util';
import type { Config } from '../src/config/load.js';
import type { Agent, Caller, EndUser, Power, ResourceRef } from '../src/domain/types.js';
import type { AuthorizationRequest, ConnectorFacts } from '../src/policy/authorizer.js';
import { createCedarAuthorizer, type CedarAuthorizer } from '../src/policy/cedar-authorizer.js';
import { buildCedarSchema } from '../src/policy/cedar-schema.js';
import { loadPolicySources } from '../src/policy/policy-loader.js';
import { integerOption } from './bench-options.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10,1000,10000' },
    runs: { type: 'string', default: '5' },
    calls: { type: 'string', default: '2000' },
  },
});
const SIZES = values.sizes.split(',').map(Number);
const RUNS = integerOption('runs', values.runs, 1, 100);
const CALLS = integerOption('calls', values.calls, 1, 1_000_000);
const out = (line: string) => process.stdout.write(`${line}\n`);

/** Deterministic PRNG (mulberry32), so every run benchmarks the same policies and requests. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LABELS = ['public', 'internal', 'confidential', 'restricted'];
const FOLDERS = ['docs', 'hr', 'secret', 'eng', 'sales'];
const GROUPS = ['support', 'eng', 'sales', 'hr', 'finance', 'legal', 'ops', 'exec'];
const NS = 'Gatehouse';

interface World {
  readonly config: Pick<Config, 'agents' | 'users' | 'connectors' | 'identity'>;
  readonly agents: Agent[];
  readonly users: EndUser[];
  readonly facts: ConnectorFacts[];
  readonly home: (agent: number) => number[];
  readonly text: string;
  readonly mix: Record<string, number>;
}

function world(size: number): World {
  const r = rng(size);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;
  const nAgents = Math.max(2, Math.round(size / 50));
  const nConnectors = Math.max(2, Math.round(size / 200));
  const agents: Agent[] = Array.from({ length: nAgents }, (_, i) => ({
    name: `agent-${i}`, owner: `owner-${i % 17}`, description: undefined, groups: [GROUPS[i % GROUPS.length] as string],
    attributes: { team: `t${i % 12}`, level: i % 5 }, actForUsers: true,
  }));
  const users: EndUser[] = Array.from({ length: 50 }, (_, i) => ({ id: `user-${i}`, groups: [GROUPS[i % GROUPS.length] as string], attributes: { dept: `d${i % 6}` } }));
  const facts: ConnectorFacts[] = Array.from({ length: nConnectors }, (_, i) => ({ name: `conn-${i}`, type: 'files', owner: `owner-${i}`, powers: ['read', 'search', 'draft', 'write', 'trigger'] }));
  const home = (a: number) => [a % nConnectors, (a * 7 + 3) % nConnectors];
  const A = (i: number) => `${NS}::Agent::"agent-${i}"`;
  const C = (i: number) => `${NS}::Connector::"conn-${i}"`;
  const act = (name: string) => `${NS}::Action::"${name}"`;
  const actions = ['read', 'read', 'read', 'read', 'search', 'search', 'search', 'draft', 'write', 'write', 'trigger'];
  const policies: string[] = [
    `@id("g-restricted") @reason("restricted documents need a user in hr") forbid(principal, action, resource is ${NS}::Document) when { resource.label == "restricted" } unless { context has user && context.user in ${NS}::Group::"hr" };`,
    `@id("g-write-needs-user") @reason("writes happen on behalf of a user") forbid(principal, action in [${act('write')}, ${act('trigger')}], resource) unless { context.acting_for_user };`,
    `@id("g-public") permit(principal, action in [${act('read')}, ${act('search')}], resource is ${NS}::Document) when { resource.label == "public" };`,
    `@id("g-level0") forbid(principal, action == ${act('write')}, resource) when { principal has level && principal.level == 0 };`,
  ].slice(0, size >= 100 ? 4 : 2);
  const mix: Record<string, number> = { global: policies.length, agentPermit: 0, agentForbid: 0, groupPermit: 0, connectorScoped: 0 };
  const conditions = [
    () => `resource.label == "${pick(LABELS.slice(0, 3))}"`,
    () => `["public", "internal"].contains(resource.label) && context.tool like "*_read"`,
    () => `context has user && context.user has dept && context.user.dept == "d${Math.floor(r() * 6)}"`,
    () => `principal has team && principal.team == "t${Math.floor(r() * 12)}"`,
    () => `resource.path like "${pick(FOLDERS)}/*"`,
  ];
  for (let i = policies.length; i < size; i++) {
    const a = Math.floor(r() * nAgents);
    const c = pick(home(a));
    const roll = r();
    if (roll < 0.85) {
      const action = pick(actions);
      policies.push(action === 'search'
        ? `permit(principal == ${A(a)}, action == ${act('search')}, resource == ${C(c)}) when { context.tool == "conn-${c}_search" };`
        : `permit(principal == ${A(a)}, action == ${act(action)}, resource is ${NS}::Document in ${C(c)}) when { ${pick(conditions)()} };`);
      mix['agentPermit']!++;
    } else if (roll < 0.93) {
      policies.push(`@reason("no ${pick(FOLDERS)} documents for this agent") forbid(principal == ${A(a)}, action, resource is ${NS}::Document in ${C(c)}) when { resource.path like "secret/*" };`);
      mix['agentForbid']!++;
    } else if (roll < 0.98) {
      policies.push(`permit(principal in ${NS}::Group::"${pick(GROUPS)}", action == ${act('read')}, resource is ${NS}::Document in ${C(c)}) when { resource.label != "restricted" };`);
      mix['groupPermit']!++;
    } else {
      policies.push(r() < 0.5
        ? `forbid(principal, action == ${act('write')}, resource in ${C(c)}) unless { context has user && context.user in ${NS}::Group::"${pick(GROUPS)}" };`
        : `permit(principal, action == ${act('search')}, resource == ${C(c)}) when { principal has level && principal.level >= 2 };`);
      mix['connectorScoped']!++;
    }
  }
  const config = {
    agents: agents.map((a) => ({ name: a.name, owner: a.owner, description: undefined, groups: [...a.groups], attributes: a.attributes, act_for_users: true })),
    users: users.map((u) => ({ id: u.id, groups: [...u.groups], attributes: u.attributes })),
    connectors: [],
    identity: { userAttributes: {}, userAssertion: undefined },
  } as unknown as World['config'];
  // connectors: [] keeps the bench independent of connector config; requests carry their facts.
  return { config, agents, users, facts, home, text: policies.join('\n'), mix };
}

function requests(w: World, count: number, seed: number): AuthorizationRequest[] {
  const r = rng(seed);
  const active = Math.min(w.agents.length, 80); // working set: the agents calling right now
  const powers: Power[] = ['read', 'read', 'read', 'search', 'search', 'write', 'draft'];
  return Array.from({ length: count }, () => {
    const a = Math.floor(r() * active);
    const agent = w.agents[a] as Agent;
    const homes = w.home(a);
    const facts = w.facts[homes[Math.floor(r() * homes.length)] as number] as ConnectorFacts;
    const action = powers[Math.floor(r() * powers.length)] as Power;
    const caller: Caller = { agent, keyId: 'k', user: r() < 0.5 ? w.users[Math.floor(r() * w.users.length)] : undefined };
    const path = `${FOLDERS[Math.floor(r() * FOLDERS.length)]}/doc-${Math.floor(r() * 1000)}.md`;
    const resource: ResourceRef = action === 'search'
      ? { type: 'Connector', id: facts.name, attributes: {}, parents: [] }
      : { type: 'Document', id: `${facts.name}/${path}`, attributes: { path, label: LABELS[Math.floor(r() * LABELS.length)] as string, connector: facts.name }, parents: [{ type: 'Connector', id: facts.name }] };
    return { caller, action, connector: facts, resource, tool: `${facts.name}_${action}`, operation: action };
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}
const median = (xs: readonly number[]) => percentile([...xs].sort((a, b) => a - b), 0.5);
const us = (ns: bigint) => Number(ns) / 1000;

interface Timing {
  /** Medians over runs of p50 and p99, over every timed call. */
  readonly p50: number;
  readonly p99: number;
  /** Medians over runs of the p50 of the calls that reached Cedar, and of those decided natively (NaN if none). */
  readonly cedarP50: number;
  readonly nativeP50: number;
  /** Shares of all timed calls: cache hits, sent to Cedar, decided natively. */
  readonly hitShare: number;
  readonly cedarShare: number;
  readonly nativeShare: number;
  /** p50 of warm-up calls that built a slice or one of its evaluations. */
  readonly cold: number;
  readonly allowed: number;
}

/**
 * Per-call times over `RUNS` passes of the pool, after one warm-up pass (which builds every slice
 * and evaluation the pool needs); the counters are read outside the timed region.
 */
function timeRuns(authorizer: CedarAuthorizer, pool: readonly AuthorizationRequest[]): Timing {
  const cold: number[] = [];
  let allowed = 0;
  for (const request of pool) {
    const before = authorizer.stats;
    const t = process.hrtime.bigint();
    if (authorizer.authorize(request).allowed) allowed++;
    const elapsed = us(process.hrtime.bigint() - t);
    const after = authorizer.stats;
    if (after.slicesBuilt > before.slicesBuilt || after.evaluationsBuilt > before.evaluationsBuilt) cold.push(elapsed);
  }
  const p50s: number[] = [];
  const p99s: number[] = [];
  const cedarP50s: number[] = [];
  const nativeP50s: number[] = [];
  let calls = 0;
  let hits = 0;
  let cedar = 0;
  let native = 0;
  for (let run = 0; run < RUNS; run++) {
    const times: number[] = [];
    const cedarTimes: number[] = [];
    const nativeTimes: number[] = [];
    for (const request of pool) {
      const before = authorizer.stats;
      const t = process.hrtime.bigint();
      authorizer.authorize(request);
      const elapsed = us(process.hrtime.bigint() - t);
      const after = authorizer.stats;
      calls++;
      times.push(elapsed);
      if (after.cacheHits > before.cacheHits) hits++;
      if (after.evaluations > before.evaluations) {
        cedar++;
        cedarTimes.push(elapsed);
      }
      if (after.nativeEvaluations > before.nativeEvaluations) {
        native++;
        nativeTimes.push(elapsed);
      }
    }
    const p50 = (xs: number[]) => percentile(xs.sort((a, b) => a - b), 0.5);
    p99s.push(percentile(times.sort((a, b) => a - b), 0.99));
    p50s.push(p50(times));
    cedarP50s.push(p50(cedarTimes));
    nativeP50s.push(p50(nativeTimes));
  }
  return {
    p50: median(p50s), p99: median(p99s), cedarP50: median(cedarP50s), nativeP50: median(nativeP50s),
    hitShare: hits / calls, cedarShare: cedar / calls, nativeShare: native / calls, cold: median(cold), allowed: allowed / pool.length,
  };
}

/**
 * Decisions (allowed, deciding policy ids, reason or error code) that differ from plain Cedar over the
 * whole slice: of the optimized authorizer, with or without native evaluation of residual policies.
 */
function crossCheck(config: Parameters<typeof createCedarAuthorizer>[0], loaded: ReturnType<typeof loadPolicySources>, pool: readonly AuthorizationRequest[]): number {
  const written = createCedarAuthorizer(config, loaded, { decisionCacheSize: 0, residualSlices: false });
  const optimized = createCedarAuthorizer(config, loaded, { decisionCacheSize: 0 });
  const cedarResiduals = createCedarAuthorizer(config, loaded, { decisionCacheSize: 0, nativeResiduals: false });
  const outcome = (authorizer: CedarAuthorizer, request: AuthorizationRequest) => {
    try {
      const d = authorizer.authorize(request);
      return JSON.stringify([d.allowed, [...d.policyIds].sort(), d.reason]);
    } catch (err) {
      return String((err as { code?: string }).code ?? err);
    }
  };
  return pool.filter((request) => {
    const expected = outcome(written, request);
    return outcome(optimized, request) !== expected || outcome(cedarResiduals, request) !== expected;
  }).length;
}

function benchSize(size: number): void {
  const w = world(size);
  const t = process.hrtime.bigint();
  const loaded = loadPolicySources([{ file: '/bench/generated.cedar', text: w.text }], buildCedarSchema(w.config), '/bench');
  const loadMs = us(process.hrtime.bigint() - t) / 1000;
  const pool = requests(w, CALLS, size + 1);
  const evaluated = createCedarAuthorizer(w.config, loaded, { decisionCacheSize: 0 });
  const e = timeRuns(evaluated, pool);
  const r = timeRuns(createCedarAuthorizer(w.config, loaded, { decisionCacheSize: 0, nativeResiduals: false }), pool);
  const c = timeRuns(createCedarAuthorizer(w.config, loaded), pool);
  const mismatches = crossCheck(w.config, loaded, pool);
  const slice = (n: number) => `${n.toFixed(1).padStart(7)} µs`;
  const pct = (share: number) => `${(100 * share).toFixed(0)}%`;
  const p50 = (n: number) => (Number.isNaN(n) ? 'none' : `p50 ${n.toFixed(1)} µs`);
  out(`${String(size).padStart(6)} policies | evaluated p50 ${slice(e.p50)}, p99 ${slice(e.p99)} | Cedar residuals p50 ${slice(r.p50)}, p99 ${slice(r.p99)}`
    + ` | repeated (decision cache) p50 ${slice(c.p50)}, p99 ${slice(c.p99)}`);
  out(`         evaluated (no cache): ${pct(e.nativeShare)} decided natively (${p50(e.nativeP50)}), ${pct(e.cedarShare)} reached Cedar (${p50(e.cedarP50)}),`
    + ` ${pct(1 - e.nativeShare - e.cedarShare)} by constant residuals | Cedar residuals: ${pct(r.cedarShare)} reached Cedar (${p50(r.cedarP50)})`
    + ` | repeated: ${pct(c.hitShare)} cache hits, ${pct(c.nativeShare)} native, ${pct(c.cedarShare)} reached Cedar`);
  const perCall = evaluated.stats.policiesEvaluated / Math.max(1, evaluated.stats.evaluations);
  out(`         load ${loadMs.toFixed(0)} ms | ${evaluated.stats.slicesCached} slices, ${evaluated.stats.evaluationsBuilt} evaluations, ${perCall.toFixed(1)} policies per Cedar call,`
    + ` a slice's or evaluation's first call p50 ${e.cold.toFixed(0)} µs | ${(100 * e.allowed).toFixed(0)}% allowed | rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
  out(`         cross-check: ${mismatches} of ${pool.length} decisions differ from the policies evaluated as written`);
  if (mismatches > 0) process.exitCode = 1;
  out(`         mix: ${Object.entries(w.mix).map(([k, v]) => `${k} ${v}`).join(', ')}; ${w.agents.length} agents, ${w.facts.length} connectors`);
}

/** How fast this machine is, to compare numbers across machines: JSON.parse of a small object. */
function calibration(): number {
  const text = JSON.stringify({ a: [1, 2, 3], b: 'hello', c: { d: true } });
  const t = process.hrtime.bigint();
  for (let i = 0; i < 200_000; i++) JSON.parse(text);
  return Number(process.hrtime.bigint() - t) / 200_000;
}

out(`Cedar authorizer: ${RUNS} runs x ${CALLS} calls per size (p50/p99 are medians over runs); calibration: JSON.parse of a small object ${calibration().toFixed(0)} ns`);
for (const size of SIZES) benchSize(size);
