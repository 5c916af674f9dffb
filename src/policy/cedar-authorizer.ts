/**
 * The Cedar authorizer. Deny by default; any evaluation error fails closed.
 *
 * Cedar evaluates every policy of a set on every call, so a call evaluates only its slice: the
 * policies whose scope can match the request's agent, connector, resource type and action. A
 * policy's scope puts it in one principal bucket (`Agent::"a"`, a group, or any), one resource bucket
 * (a connector and a resource type, or any) and one or more action buckets; a slice is the union of
 * the buckets that can match, so leaving out the rest cannot change a decision. Slices are preparsed
 * once (bounded LRU) and reused; requests outside the id conventions fall back to every connector.
 * Each call sends Cedar only the entity attributes, ancestors and context keys its slice can read
 * (entities.ts), and exact repeats of a call are answered from a bounded decision cache.
 */
import { createHash } from 'node:crypto';
import {
  isAuthorizedPartial, preparsePolicySet, preparseSchema, statefulIsAuthorized,
  type AuthorizationAnswer, type EntityJson, type EntityUidJson, type PolicyJson,
} from '@cedar-policy/cedar-wasm/nodejs';
import type { Config } from '../config/load.js';
import type { Agent, Caller, Decision, EndUser, Power, ResourceRef } from '../domain/types.js';
import { GatehouseError } from '../errors/catalog.js';
import type { AuthorizationRequest, Authorizer, ConnectorFacts } from './authorizer.js';
import {
  agentEntity, ALL_NEEDS, cedarType, connectorEntity, entityNeeds, literalEntities, resourceEntity, uidKey, userEntity,
  type EntityNeeds, type KnownEntities,
} from './entities.js';
import type { LoadedPolicies, LoadedPolicy } from './policy-loader.js';

/** Cache sizes and checking mode; the defaults suit production. */
export interface CedarAuthorizerOptions {
  /** Most policy slices kept preparsed by this authorizer (default 1024). */
  readonly sliceCacheSize?: number;
  /** Most `mayUse` answers kept (default 4096). */
  readonly mayUseCacheSize?: number;
  /**
   * Most decisions kept (default 10,000; 0 turns the cache off). The key is everything Cedar would
   * see (slice, principal, action, resource, pruned context and entities), so a hit is exact.
   */
  readonly decisionCacheSize?: number;
  /** Check each request and its full entities against the schema: slower, for tests. */
  readonly validateRequests?: boolean;
}

/** The Authorizer, plus counters for tests and benchmarks. */
export interface CedarAuthorizer extends Authorizer {
  readonly stats: {
    readonly slicesBuilt: number;
    readonly slicesCached: number;
    /** Calls that reached Cedar, and the policies those calls evaluated in all. */
    readonly evaluations: number;
    readonly policiesEvaluated: number;
  };
}

/** Where a policy's scope lets it apply; `*` is anywhere. */
export interface PolicyScope {
  /** `*`, `agent:<name>` or `group:<name>`. */
  readonly principal: string;
  /** `*` or `connector:<name>`. */
  readonly connector: string;
  /** Entity type the resource must have (`Document`, `Record`, `Connector`), or `*`. */
  readonly resourceType: string;
  /** Actions named by the scope; `undefined` when any action. */
  readonly actions: readonly string[] | undefined;
}

const ANY = '*';
const RESOURCE_TYPES = ['Connector', 'Document', 'Record'];

function uidOf(value: EntityUidJson | undefined): { type: string; id: string } | undefined {
  if (value === undefined) return undefined;
  return '__entity' in value ? value.__entity : value;
}

type ScopeJson = PolicyJson['principal'] | PolicyJson['resource'];
const scopeEntity = (c: ScopeJson) => (c.op === '==' || c.op === 'in' ? ('entity' in c ? uidOf(c.entity) : undefined)
  : c.op === 'is' && c.in !== undefined && 'entity' in c.in ? uidOf(c.in.entity) : undefined);

/** The slicing key of a policy, from its scope (never from its conditions). */
export function policyScope(json: PolicyJson): PolicyScope {
  const p = scopeEntity(json.principal);
  // Agents are members only of groups, so `in Agent::"a"` means `== Agent::"a"`.
  const principal = p?.type === cedarType('Agent') ? `agent:${p.id}`
    : p?.type === cedarType('Group') && json.principal.op !== '==' ? `group:${p.id}` : ANY;

  const r = json.resource;
  const e = scopeEntity(r);
  const connector = e?.type === cedarType('Connector') ? `connector:${e.id}`
    : (e?.type === cedarType('Document') || e?.type === cedarType('Record')) && e.id.includes('/') ? `connector:${e.id.slice(0, e.id.indexOf('/'))}` : ANY;
  // Documents and Records have no members, so `in` them means `==`; `in` a Connector admits all types.
  const exact = r.op === 'is' ? r.entity_type : r.op === '==' || (r.op === 'in' && e?.type !== cedarType('Connector')) ? e?.type : undefined;
  const resourceType = RESOURCE_TYPES.find((t) => cedarType(t) === exact) ?? ANY;

  const a = json.action;
  const named = a.op === '==' ? ['entity' in a ? uidOf(a.entity) : undefined] : a.op === 'in' ? ('entity' in a ? [uidOf(a.entity)] : a.entities.map(uidOf)) : undefined;
  const actions = named === undefined || named.some((u) => u?.type !== cedarType('Action')) ? undefined : [...new Set(named.map((u) => u?.id ?? ''))];
  return { principal, connector, resourceType, actions };
}

/** Policies bucketed by scope: `principal \0 connector \0 resourceType \0 action` -> policies. */
class PolicyIndex {
  readonly #buckets = new Map<string, LoadedPolicy[]>();
  readonly #connectorKeys = new Set<string>([ANY]);

  constructor(policies: readonly LoadedPolicy[]) {
    for (const policy of policies) {
      const s = policyScope(policy.json);
      this.#connectorKeys.add(s.connector);
      for (const action of s.actions ?? [ANY]) {
        const key = [s.principal, s.connector, s.resourceType, action].join('\u0000');
        const list = this.#buckets.get(key) ?? [];
        if (list.length === 0) this.#buckets.set(key, list);
        list.push(policy);
      }
    }
  }

  /** The slice for a request; an undefined connector or resource type means it could be any. */
  collect(agent: Agent, connector: string | undefined, resourceType: string | undefined, action: string): LoadedPolicy[] {
    const out: LoadedPolicy[] = [];
    const connectors = connector === undefined ? [...this.#connectorKeys] : [ANY, `connector:${connector}`];
    const types = resourceType === undefined ? [ANY, ...RESOURCE_TYPES] : [ANY, resourceType];
    for (const p of [ANY, `agent:${agent.name}`, ...agent.groups.map((g) => `group:${g}`)]) {
      for (const c of connectors) {
        for (const t of types) {
          for (const a of [ANY, action]) out.push(...(this.#buckets.get(`${p}\u0000${c}\u0000${t}\u0000${a}`) ?? []));
        }
      }
    }
    return out;
  }
}

/** Preparsed policy sets live in Cedar's thread-local store, which has no delete: ids are recycled. */
const freeSlots: string[] = [];
let slotCounter = 0;
const releaseSlots = new FinalizationRegistry<Set<string>>((slots) => freeSlots.push(...slots));

interface Slice {
  readonly key: string;
  /** Preparsed set id; undefined when the slice is empty. */
  readonly slot: string | undefined;
  readonly policies: readonly LoadedPolicy[];
  readonly hasPermit: boolean;
  readonly needs: EntityNeeds;
  readonly agent: EntityJson | undefined;
  readonly connector: EntityJson | undefined;
  readonly literals: readonly EntityJson[];
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

const NO_POLICY: Decision = Object.freeze({ allowed: false, policyIds: Object.freeze([]), reason: undefined, annotations: Object.freeze({}) });

/** Build the authorizer for a loaded, validated policy set. */
export function createCedarAuthorizer(config: Pick<Config, 'agents' | 'users' | 'connectors'>, loaded: LoadedPolicies, options: CedarAuthorizerOptions = {}): CedarAuthorizer {
  const sliceCapacity = Math.max(1, options.sliceCacheSize ?? 1024);
  const mayUseCapacity = Math.max(1, options.mayUseCacheSize ?? 4096);
  const decisionCapacity = Math.max(0, options.decisionCacheSize ?? 10_000);
  const strict = options.validateRequests === true;
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
  let slicesBuilt = 0;
  let evaluations = 0;
  let policiesEvaluated = 0;

  /** Make room for one more slice; the preparsed sets of evicted slices are kept for reuse. */
  function evict(): void {
    for (const [key, old] of slices) {
      if (slices.size < sliceCapacity) return;
      slices.delete(key);
      if (old.slot !== undefined) spareSlots.push(old.slot);
    }
  }

  function takeSlot(): string {
    const slot = spareSlots.pop() ?? freeSlots.pop() ?? `gatehouse-slice-${++slotCounter}`;
    ownedSlots.add(slot);
    return slot;
  }

  function sliceFor(agent: Agent, facts: ConnectorFacts, connector: string | undefined, resourceType: string | undefined, action: string): Slice {
    const key = `${agent.name}\u0000${connector ?? ANY}\u0000${resourceType ?? ANY}\u0000${action}`;
    const cached = touch(slices, key);
    if (cached !== undefined) return cached;
    evict();
    const policies = index.collect(agent, connector, resourceType, action);
    const needs = strict ? ALL_NEEDS : entityNeeds(policies.map((p) => p.json));
    const slot = policies.length === 0 ? undefined : takeSlot();
    if (slot !== undefined) {
      const answer = preparsePolicySet(slot, { staticPolicies: Object.fromEntries(policies.map((p) => [p.id, p.text])) });
      if (answer.type !== 'success') {
        throw new GatehouseError('POLICY_EVALUATION_FAILED', `Could not prepare the policies for agent "${agent.name}".`, { agent: agent.name }, {
          cause: new Error(answer.errors.map((e) => e.message).join('; ')),
        });
      }
    }
    slicesBuilt++;
    const slice: Slice = {
      key, slot, policies, needs,
      hasPermit: policies.some((p) => p.effect === 'permit'),
      agent: agentEntity(agent, needs),
      connector: connectorEntity(facts, needs),
      literals: literalEntities(needs, known, declared),
    };
    slices.set(key, slice);
    return slice;
  }

  /** Principal, action, resource, context and entities of a call, pruned to what the slice can observe. */
  function callFor(slice: Slice, caller: Caller, action: string, resource: ResourceRef | undefined, ownConnector: boolean, tool: string, operation: string) {
    const needs = slice.needs;
    const wants = (key: string) => needs.context === undefined || needs.context.has(key);
    const context: Record<string, unknown> = {};
    if (wants('tool')) context['tool'] = tool;
    if (wants('operation')) context['operation'] = operation;
    if (wants('acting_for_user')) context['acting_for_user'] = caller.user !== undefined;
    const user = caller.user !== undefined && wants('user') ? caller.user : undefined;
    if (user !== undefined) context['user'] = { __entity: { type: cedarType('User'), id: user.id } };

    const entities: EntityJson[] = [];
    if (slice.agent !== undefined) entities.push(slice.agent);
    const res = resource === undefined ? undefined : ownConnector ? slice.connector : resourceEntity(resource, needs);
    if (res !== undefined) entities.push(res);
    const userJson = user === undefined ? undefined : userEntity(user, declared, needs);
    if (userJson !== undefined) entities.push(userJson);
    if (slice.literals.length > 0) {
      // The request's own entities win over configuration's view of the same uid.
      const present = new Set([
        uidKey({ type: cedarType('Agent'), id: caller.agent.name }),
        ...(resource === undefined ? [] : [uidKey({ type: cedarType(resource.type), id: resource.id })]),
        ...(user === undefined ? [] : [uidKey({ type: cedarType('User'), id: user.id })]),
      ]);
      for (const literal of slice.literals) if (!present.has(uidKey(literal.uid as { type: string; id: string }))) entities.push(literal);
    }
    return {
      principal: { type: cedarType('Agent'), id: caller.agent.name },
      action: { type: cedarType('Action'), id: action },
      resource: resource === undefined ? null : { type: cedarType(resource.type), id: resource.id },
      context: context as Record<string, never>,
      entities,
    };
  }

  function authorize(request: AuthorizationRequest): Decision {
    const { caller, action, connector, resource } = request;
    const ownConnector = resource.type === 'Connector' && resource.id === connector.name && resource.parents.length === 0;
    // Resource types are entity type names, never `*`.
    const slice = sliceFor(caller.agent, connector, connectorOf(resource, connector.name, ownConnector), resource.type === ANY ? undefined : resource.type, action);
    if (slice.slot === undefined) return NO_POLICY;
    const failed = (cause: unknown) => new GatehouseError('POLICY_EVALUATION_FAILED', `The policy engine could not decide whether agent "${caller.agent.name}" may ${action} ${resource.type} "${resource.id}".`, {
      agent: caller.agent.name, action, connector: connector.name,
    }, { cause });
    const call = callFor(slice, caller, action, resource, ownConnector, request.tool, request.operation);
    const cacheKey = decisionCapacity === 0 ? undefined : `${slice.key}\u0001${JSON.stringify(call)}`;
    const hit = cacheKey === undefined ? undefined : touch(decisions, cacheKey);
    if (hit !== undefined) return hit;
    let answer: AuthorizationAnswer;
    try {
      evaluations++;
      policiesEvaluated += slice.policies.length;
      answer = statefulIsAuthorized({
        ...call, resource: { type: cedarType(resource.type), id: resource.id }, preparsedPolicySetId: slice.slot,
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
    const result = decisionOf(decision === 'allow', [...diagnostics.reason].sort(), byId);
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
      const answer = isAuthorizedPartial({ ...callFor(slice, caller, action, undefined, false, tool, operation), policies: { staticPolicies: slice.texts } });
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
      return { slicesBuilt, slicesCached: slices.size, evaluations, policiesEvaluated };
    },
  };
  // Keyed on `slices`, which every closure above holds: slots are freed only when none can run.
  releaseSlots.register(slices, ownedSlots);
  return authorizer;
}

/**
 * The connector a request's resource can belong to: the connector itself, or a Document/Record whose
 * id is `<connector>/...` and whose only parent is that connector. Anything else might match a policy
 * scoped to another connector, so it gets every connector's policies (undefined).
 */
function connectorOf(resource: ResourceRef, connector: string, ownConnector: boolean): string | undefined {
  if (ownConnector) return connector;
  const parent = resource.parents[0];
  const conventional = resource.type !== 'Connector' && resource.id.startsWith(`${connector}/`)
    && resource.parents.length === 1 && parent?.type === 'Connector' && parent.id === connector;
  return conventional ? connector : undefined;
}

function decisionOf(allowed: boolean, ids: readonly string[], byId: ReadonlyMap<string, LoadedPolicy>): Decision {
  const annotations: Record<string, Readonly<Record<string, string>>> = {};
  let reason: string | undefined;
  for (const id of ids) {
    const policy = byId.get(id);
    annotations[id] = policy?.annotations ?? {};
    if (!allowed && reason === undefined && policy?.effect === 'forbid') reason = policy.annotations['reason'];
  }
  return Object.freeze({ allowed, policyIds: Object.freeze(ids), reason, annotations: Object.freeze(annotations) });
}
