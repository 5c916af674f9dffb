/**
 * The Cedar authorizer. Deny by default; any evaluation error fails closed.
 *
 * Cedar evaluates every policy of a set on every call, so a call evaluates only its slice: the
 * policies whose scope can match the request's agent, connector, resource type and action
 * (policy-index.ts). Within a slice, the agent and action are known, and so are, per kind of call,
 * whether it acts for a user, what the policies can see of that user (its profile) and the tool;
 * each kind of call gets the slice's residual policies, partially evaluated by Cedar once
 * (residual-slice.ts, user-profile.ts), and its calls send Cedar only the resource, plus whatever
 * the residuals still read. A kind whose residuals all apply unconditionally is decided without
 * calling Cedar; so is a call whose residuals all lie in the subset of Cedar that native-residuals.ts
 * evaluates, from the very request Cedar would get (anything outside it still goes to Cedar). Slices
 * and their evaluations are preparsed once (bounded LRU) and reused; requests outside the id
 * conventions fall back to every connector. Each call sends only the entity attributes, ancestors
 * and context keys its policies can read (entities.ts), and exact repeats of a call that reaches
 * Cedar are answered from a bounded decision cache.
 */
import { createHash } from 'node:crypto';
import { preparseSchema, type AuthorizationAnswer, type EntityJson, type PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { Config } from '../config/load.js';
import type { Agent, Caller, Decision, EndUser, Power } from '../domain/types.js';
import { GatehouseError } from '../errors/catalog.js';
import type { AuthorizationRequest, Authorizer, ConnectorFacts } from './authorizer.js';
import { isAuthorizedPartial, preparsePolicySet, statefulIsAuthorized } from './cedar-calls.js';
import { decisionMemo, decisionOf, idsOf } from './decision-of.js';
import {
  agentEntity, ALL_NEEDS, cedarRequest, cedarType, connectorEntity, entityNeeds, literalEntities, userEntity,
  type EntityNeeds, type KnownEntities, type SliceEntities,
} from './entities.js';
import type { LoadedPolicies, LoadedPolicy } from './policy-loader.js';
import { ANY, connectorOf, PolicyIndex } from './policy-index.js';
import { compilePolicies, evaluateNative, type NativePolicy } from './native-residuals.js';
import { residualPolicies, type SliceFacts } from './residual-slice.js';
import { userProfile, userReads, type UserProfile, type UserReads } from './user-profile.js';

/** Cache sizes and checking mode; the defaults suit production. */
export interface CedarAuthorizerOptions {
  /** Most policy slices kept preparsed by this authorizer (default 1024). */
  readonly sliceCacheSize?: number;
  /** Most `mayUse` answers kept (default 4096). */
  readonly mayUseCacheSize?: number;
  /**
   * Most decisions kept (default 10,000; 0 turns the cache off). The key is everything Cedar would
   * see (slice, kind of call, principal, action, resource, pruned context and entities), so a hit is exact.
   */
  readonly decisionCacheSize?: number;
  /** Check each request and its full entities against the schema: slower, for tests. */
  readonly validateRequests?: boolean;
  /**
   * Decide with per-slice residual policies (residual-slice.ts; default true). Off, or with
   * `validateRequests`, every call evaluates the slice's policies as written.
   */
  readonly residualSlices?: boolean;
  /** Evaluate residual policies of the native subset without Cedar (native-residuals.ts; default true). */
  readonly nativeResiduals?: boolean;
}

/** The Authorizer, plus counters for tests and benchmarks. */
export interface CedarAuthorizer extends Authorizer {
  readonly stats: {
    readonly slicesBuilt: number;
    readonly slicesCached: number;
    /** Evaluations (preparsed residual or original policy sets) built for slices. */
    readonly evaluationsBuilt: number;
    /** authorize() calls, and those answered from the decision cache. */
    readonly decisions: number;
    readonly cacheHits: number;
    /** Calls that reached Cedar, and the policies those calls evaluated in all. */
    readonly evaluations: number;
    readonly policiesEvaluated: number;
    /** Calls decided by evaluating residual policies natively (neither cached nor sent to Cedar). */
    readonly nativeEvaluations: number;
  };
}

/** Preparsed policy sets live in Cedar's thread-local store, which has no delete: ids are recycled. */
const freeSlots: string[] = [];
let slotCounter = 0;
const releaseSlots = new FinalizationRegistry<Set<string>>((slots) => freeSlots.push(...slots));

/** One way of deciding a slice's calls: a preparsed policy set and what each call sends with it. */
interface Evaluation extends SliceEntities {
  /** Preparsed set id; undefined when the decision is known without Cedar. */
  readonly slot: string | undefined;
  /** Policies in the set. */
  readonly size: number;
  /** Id Cedar reports -> ids of the policies it stands for (identical residuals); else itself. */
  readonly members: ReadonlyMap<string, readonly string[]> | undefined;
  /** The decision of every call, when it is known without calling Cedar. */
  readonly decided: Decision | undefined;
  /** The policies compiled for native evaluation, when all of them can be, and their decisions by outcome. */
  readonly native?: { readonly policies: readonly NativePolicy[]; readonly decide: ReturnType<typeof decisionMemo> } | undefined;
}

/** Key of a slice's evaluation of its policies as written. */
const ORIGINAL = 'original';
/** Most evaluations a slice keeps; calls of further kinds share the generic ones (see residualFor). */
const MAX_EVALUATIONS = 32;

interface Slice {
  readonly key: string;
  readonly agent: Agent;
  readonly facts: ConnectorFacts;
  /** Set when every resource of the slice is this connector's own (see connectorOf). */
  readonly connector: string | undefined;
  readonly resourceType: string | undefined;
  readonly action: string;
  readonly policies: readonly LoadedPolicy[];
  readonly hasPermit: boolean;
  /** What calls send with the policies as written (also for mayUse). */
  readonly sends: SliceEntities;
  /** Whether the policies read `context.tool`, `context.operation`. */
  readonly readsTool: boolean;
  readonly readsOperation: boolean;
  /** When the slice was last used (LRU: the least recently used goes first). */
  used: number;
  /** ORIGINAL, or residuals by kind of call (see residualFor); built on first use. */
  readonly evaluations: Map<string, Evaluation>;
  /** What the policies read of `context.user` (null: more than a profile); worked out on first use. */
  userReads?: UserReads | null;
  /** Policy texts by id, for partial evaluation; built on first use. */
  texts?: Record<string, string>;
}

/** A Map used as an LRU: a hit moves the entry to the end; the oldest go first. */
function touch<K, V>(map: Map<K, V>, key: K): V | undefined {
  const value = map.get(key);
  if (value !== undefined) {
    map.delete(key);
    map.set(key, value);
  }
  return value;
}

/** What the calls of one residual evaluation have in common besides the slice. */
type CallKind = Pick<SliceFacts, 'actingForUser' | 'tool' | 'operation' | 'user'>;
const genericKind = (actingForUser: boolean): CallKind => ({ actingForUser, tool: undefined, operation: undefined, user: undefined });
const kindKey = (k: CallKind) => JSON.stringify([k.actingForUser, k.tool ?? null, k.operation ?? null, k.user ?? null]);

const NO_POLICY: Decision = Object.freeze({ allowed: false, policyIds: Object.freeze([]), reason: undefined, annotations: Object.freeze({}) });

/** Build the authorizer for a loaded, validated policy set. */
export function createCedarAuthorizer(config: Pick<Config, 'agents' | 'users' | 'connectors'>, loaded: LoadedPolicies, options: CedarAuthorizerOptions = {}): CedarAuthorizer {
  const sliceCapacity = Math.max(1, options.sliceCacheSize ?? 1024);
  const mayUseCapacity = Math.max(1, options.mayUseCacheSize ?? 4096);
  const decisionCapacity = Math.max(0, options.decisionCacheSize ?? 10_000);
  const strict = options.validateRequests === true;
  const residuals = !strict && options.residualSlices !== false;
  const nativeResiduals = residuals && options.nativeResiduals !== false;
  const schemaName = `gatehouse-schema-${createHash('sha256').update(loaded.schema.text).digest('hex').slice(0, 16)}`;
  const schemaAnswer = preparseSchema(schemaName, loaded.schema.text);
  if (schemaAnswer.type !== 'success') {
    throw new GatehouseError('POLICY_INVALID', `The generated Cedar schema does not parse: ${schemaAnswer.errors.map((e) => e.message).join('; ')}.`);
  }
  const index = new PolicyIndex(loaded.policies);
  const byId = new Map(loaded.policies.map((p) => [p.id, p]));
  const known: KnownEntities = {
    agents: new Map(config.agents.map((a) => [a.name, { name: a.name, owner: a.owner, description: a.description, groups: a.groups, attributes: a.attributes, actForUsers: a.act_for_users } satisfies Agent])),
    users: new Map(config.users.map((u) => [u.id, { id: u.id, groups: u.groups, attributes: u.attributes } satisfies EndUser])),
    connectors: new Map(config.connectors.map((c) => [c.name, { name: c.name, type: c.type, owner: c.owner, powers: c.powers } satisfies ConnectorFacts])),
  };
  const declared = loaded.schema.userAttributes;
  const slices = new Map<string, Slice>();
  const ownedSlots = new Set<string>();
  const spareSlots: string[] = [];
  const decisions = new Map<string, Decision>();
  const mayUseAnswers = new Map<string, boolean>();
  let uses = 0;
  const stats = { slicesBuilt: 0, evaluationsBuilt: 0, decisions: 0, cacheHits: 0, evaluations: 0, policiesEvaluated: 0, nativeEvaluations: 0 };

  /** Make room for one more slice; the preparsed sets of evicted slices are kept for reuse. */
  function evict(): void {
    while (slices.size >= sliceCapacity) {
      let oldest: Slice | undefined;
      for (const slice of slices.values()) if (oldest === undefined || slice.used < oldest.used) oldest = slice;
      if (oldest === undefined) return;
      slices.delete(oldest.key);
      // Several kinds of call may share one evaluation: release each slot once.
      const slots = new Set([...oldest.evaluations.values()].map((e) => e.slot));
      for (const slot of slots) if (slot !== undefined) spareSlots.push(slot);
    }
  }

  /** Preparse a policy set into a free slot, or say why Cedar refuses it (the slot stays spare). */
  function prepare(policies: Record<string, string | PolicyJson>): { slot: string } | { error: string } {
    const slot = spareSlots.pop() ?? freeSlots.pop() ?? `gatehouse-slice-${++slotCounter}`;
    ownedSlots.add(slot);
    const answer = preparsePolicySet(slot, { staticPolicies: policies });
    if (answer.type === 'success') return { slot };
    spareSlots.push(slot);
    return { error: answer.errors.map((e) => e.message).join('; ') };
  }

  function sendsFor(agent: Agent, facts: ConnectorFacts, needs: EntityNeeds): SliceEntities {
    return {
      needs,
      agent: needs.principal ? agentEntity(agent, needs) : undefined,
      connector: connectorEntity(facts, needs),
      literals: literalEntities(needs, known, declared),
    };
  }

  function sliceFor(agent: Agent, facts: ConnectorFacts, connector: string | undefined, resourceType: string | undefined, action: string): Slice {
    const key = `${agent.name}\u0000${connector ?? ANY}\u0000${resourceType ?? ANY}\u0000${action}`;
    const cached = slices.get(key);
    if (cached !== undefined) {
      cached.used = ++uses;
      return cached;
    }
    evict();
    const policies = index.collect(agent, connector, resourceType, action);
    stats.slicesBuilt++;
    const needs = strict ? ALL_NEEDS : entityNeeds(policies.map((p) => p.json));
    const reads = (key: string) => needs.context === undefined || needs.context.has(key);
    const slice: Slice = {
      key, agent, facts, connector, resourceType, action, policies,
      hasPermit: policies.some((p) => p.effect === 'permit'),
      sends: sendsFor(agent, facts, needs),
      readsTool: reads('tool'), readsOperation: reads('operation'), used: ++uses,
      evaluations: new Map(),
    };
    slices.set(key, slice);
    return slice;
  }

  function originalOf(slice: Slice): Evaluation {
    let evaluation = slice.evaluations.get(ORIGINAL);
    if (evaluation === undefined) {
      evaluation = originalEvaluation(slice);
      stats.evaluationsBuilt++;
      slice.evaluations.set(ORIGINAL, evaluation);
    }
    return evaluation;
  }

  /**
   * The evaluation for a kind of call: whether it acts for a user, the user's profile
   * (user-profile.ts), and the tool and operation when the policies read them. Past
   * MAX_EVALUATIONS, further kinds use the generic evaluation, where all three are unknown.
   */
  function residualFor(slice: Slice, caller: Caller, tool: string, operation: string): [string, Evaluation] {
    const actingForUser = caller.user !== undefined;
    let kind: CallKind = {
      actingForUser, tool: slice.readsTool ? tool : undefined, operation: slice.readsOperation ? operation : undefined,
      user: caller.user === undefined ? undefined : profileOf(slice, caller.user),
    };
    if (slice.evaluations.size >= MAX_EVALUATIONS && !slice.evaluations.has(kindKey(kind))) kind = genericKind(actingForUser);
    return evaluationFor(slice, kind);
  }

  function evaluationFor(slice: Slice, kind: CallKind): [string, Evaluation] {
    const key = kindKey(kind);
    let evaluation = slice.evaluations.get(key);
    if (evaluation === undefined) {
      const generic = genericKind(kind.actingForUser);
      evaluation = residualEvaluation(slice, kind) ?? (key === kindKey(generic) ? originalOf(slice) : evaluationFor(slice, generic)[1]);
      stats.evaluationsBuilt++;
      slice.evaluations.set(key, evaluation);
    }
    return [key, evaluation];
  }

  function profileOf(slice: Slice, user: EndUser): UserProfile | undefined {
    if (slice.userReads === undefined) slice.userReads = userReads(slice.policies.map((p) => p.json)) ?? null;
    return slice.userReads === null ? undefined : userProfile(user, slice.userReads, declared);
  }

  function originalEvaluation(slice: Slice): Evaluation {
    const base = { ...slice.sends, size: slice.policies.length, members: undefined };
    if (slice.policies.length === 0) return { ...base, slot: undefined, decided: NO_POLICY };
    const prepared = prepare(Object.fromEntries(slice.policies.map((p) => [p.id, p.text])));
    if ('error' in prepared) {
      throw new GatehouseError('POLICY_EVALUATION_FAILED', `Could not prepare the policies for agent "${slice.agent.name}".`, { agent: slice.agent.name }, {
        cause: new Error(prepared.error),
      });
    }
    return { ...base, slot: prepared.slot, decided: undefined };
  }

  /** Residual policies for the calls of a slice (residual-slice.ts); undefined to keep the originals. */
  function residualEvaluation(slice: Slice, call: CallKind): Evaluation | undefined {
    try {
      return residualOf(slice, call);
    } catch {
      return undefined; // anything unforeseen: the policies as written decide
    }
  }

  function residualOf(slice: Slice, call: CallKind): Evaluation | undefined {
    // Configuration's view of a literal may differ from the request's own entity: keep the originals.
    if (slice.sends.needs.literals.length > 0) return undefined;
    const agent = agentEntity(slice.agent, ALL_NEEDS);
    if (agent === undefined) return undefined;
    const { connector, resourceType, action } = slice;
    const policies = residualPolicies(slice.policies, { agent, action, connector, resourceType, ...call });
    if (policies === undefined) return undefined;
    const sends = sendsFor(slice.agent, slice.facts, entityNeeds(policies.map((p) => p.json)));
    const members = policies.some((p) => p.ids.length > 1) ? new Map(policies.map((p) => [p.id, p.ids])) : undefined;
    if (policies.every((p) => p.always)) {
      // Every policy applies to every call and none can fail: Cedar's answer is known.
      const forbids = policies.filter((p) => p.effect === 'forbid');
      const deciding = forbids.length > 0 ? forbids : policies;
      const decided = decisionOf(forbids.length === 0 && policies.length > 0, deciding.flatMap((p) => p.ids).sort(), byId);
      return { ...sends, slot: undefined, size: 0, members, decided };
    }
    const prepared = prepare(Object.fromEntries(policies.map((p) => [p.id, p.json])));
    if ('error' in prepared) return undefined;
    const compiled = nativeResiduals ? compilePolicies(policies) : undefined;
    const native = compiled === undefined ? undefined : { policies: compiled, decide: decisionMemo(members, byId) };
    return { ...sends, slot: prepared.slot, size: policies.length, members, decided: undefined, native };
  }

  function authorize(request: AuthorizationRequest): Decision {
    const { caller, action, connector, resource } = request;
    stats.decisions++;
    const ownConnector = resource.type === 'Connector' && resource.id === connector.name && resource.parents.length === 0;
    // Resource types are entity type names, never `*`.
    const slice = sliceFor(caller.agent, connector, connectorOf(resource, connector.name, ownConnector), resource.type === ANY ? undefined : resource.type, action);
    const [kind, evaluation] = residuals ? residualFor(slice, caller, request.tool, request.operation) : [ORIGINAL, originalOf(slice)];
    // As with the policies as written: a declared user attribute of the wrong type that the slice's
    // policies read fails the call, even when its residuals no longer read it (entities.ts throws).
    if (residuals && caller.user !== undefined && slice.policies.length > 0) userEntity(caller.user, declared, slice.sends.needs);
    if (evaluation.decided !== undefined) return evaluation.decided;
    const failed = (cause: unknown) => new GatehouseError('POLICY_EVALUATION_FAILED', `The policy engine could not decide whether agent "${caller.agent.name}" may ${action} ${resource.type} "${resource.id}".`, {
      agent: caller.agent.name, action, connector: connector.name,
    }, { cause });
    const call = cedarRequest(evaluation, declared, caller, action, resource, ownConnector, request.tool, request.operation);
    if (evaluation.native !== undefined) {
      let verdict;
      try {
        verdict = evaluateNative(evaluation.native.policies, call);
      } catch (err) {
        throw failed(err); // a fault of the evaluator itself: fail closed
      }
      if (verdict !== undefined) {
        stats.nativeEvaluations++;
        if (verdict.errored.length > 0) throw failed(new Error(`${verdict.errored.join(', ')}: evaluation error`));
        return evaluation.native.decide(verdict.allowed, verdict.reason);
      }
    }
    const cacheKey = decisionCapacity === 0 ? undefined : `${slice.key}\u0001${kind}\u0001${JSON.stringify(call)}`;
    const hit = cacheKey === undefined ? undefined : touch(decisions, cacheKey);
    if (hit !== undefined) {
      stats.cacheHits++;
      return hit;
    }
    let answer: AuthorizationAnswer;
    try {
      stats.evaluations++;
      stats.policiesEvaluated += evaluation.size;
      answer = statefulIsAuthorized({
        ...call, resource: { type: cedarType(resource.type), id: resource.id }, preparsedPolicySetId: evaluation.slot as string,
        ...(strict ? { preparsedSchemaName: schemaName, validateRequest: true } : { validateRequest: false }),
      });
    } catch (err) {
      throw failed(err);
    }
    if (answer.type !== 'success') throw failed(new Error(answer.errors.map((e) => e.message).join('; ')));
    const { decision, diagnostics } = answer.response;
    if (diagnostics.errors.length > 0) {
      throw failed(new Error(diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`).join('; ')));
    }
    const result = decisionOf(decision === 'allow', idsOf(evaluation.members, diagnostics.reason).sort(), byId);
    if (cacheKey !== undefined) {
      if (decisions.size >= decisionCapacity) decisions.delete(decisions.keys().next().value as string);
      decisions.set(cacheKey, result);
    }
    return result;
  }

  function mayUse(caller: Caller, action: Power, connector: ConnectorFacts, tool: string, operation: string): boolean {
    const user = caller.user === undefined ? '' : JSON.stringify([caller.user.id, caller.user.groups, caller.user.attributes]);
    const key = [caller.agent.name, user, connector.name, action, tool, operation].join('\u0000');
    let answer = touch(mayUseAnswers, key);
    if (answer === undefined) {
      answer = couldPermit(caller, action, connector, tool, operation);
      if (mayUseAnswers.size >= mayUseCapacity) mayUseAnswers.delete(mayUseAnswers.keys().next().value as string);
      mayUseAnswers.set(key, answer);
    }
    return answer;
  }

  /**
   * Partial evaluation with the resource unknown (any type, inside this connector: the slice
   * already excludes other connectors). True when Cedar allows outright, or when a permit may still
   * apply for some resource and no forbid applies whatever the resource; anything unclear is false.
   */
  function couldPermit(caller: Caller, action: Power, connector: ConnectorFacts, tool: string, operation: string): boolean {
    try {
      const slice = sliceFor(caller.agent, connector, connector.name, undefined, action);
      if (!slice.hasPermit) return false;
      slice.texts ??= Object.fromEntries(slice.policies.map((p) => [p.id, p.text]));
      const answer = isAuthorizedPartial({ ...cedarRequest(slice.sends, declared, caller, action, undefined, false, tool, operation), policies: { staticPolicies: slice.texts } });
      if (answer.type !== 'residuals') return false;
      const r = answer.response;
      if (r.errored.length > 0 || r.decision === 'deny') return false;
      if (r.decision === 'allow') return true;
      const effect = (id: string) => byId.get(id)?.effect;
      if (r.satisfied.some((id) => effect(id) === 'forbid')) return false;
      return [...r.satisfied, ...r.nontrivialResiduals].some((id) => effect(id) === 'permit');
    } catch {
      return false;
    }
  }

  const authorizer: CedarAuthorizer = {
    authorize,
    mayUse,
    policyCount: loaded.policies.length,
    get stats() {
      return { ...stats, slicesCached: slices.size };
    },
  };
  // Keyed on `slices`, which every closure above holds: slots are freed only when none can run.
  releaseSlots.register(slices, ownedSlots);
  return authorizer;
}
