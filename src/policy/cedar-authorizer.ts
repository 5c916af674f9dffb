/**
 * The Cedar authorizer. Deny by default; any evaluation error fails closed.
 *
 * Cedar evaluates every policy of a set on every call, so a call evaluates only its slice: the
 * policies whose scope can match the request's agent, connector and action. A policy's scope puts
 * it in at most one principal bucket (`Agent::"a"`, a group, or any), one resource bucket (a
 * connector, or any) and one or more action buckets; a slice is the union of the buckets that can
 * match, so leaving out the rest cannot change a decision. Slices are preparsed once (bounded LRU)
 * and reused; requests outside the id conventions fall back to every resource bucket.
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

export interface CedarAuthorizerOptions {
  /** Most policy slices kept preparsed by this authorizer (default 1024). */
  readonly sliceCacheSize?: number;
  /** Most `mayUse` answers kept (default 4096). */
  readonly mayUseCacheSize?: number;
  /** Check each request and its full entities against the schema: slower, for tests. */
  readonly validateRequests?: boolean;
}

/** The Authorizer, plus counters for tests and benchmarks. */
export interface CedarAuthorizer extends Authorizer {
  readonly stats: { readonly slicesBuilt: number; readonly slicesCached: number };
}

/** Where a policy's scope lets it apply; `*` is anywhere. */
export interface PolicyScope {
  /** `*`, `agent:<name>` or `group:<name>`. */
  readonly principal: string;
  /** `*` or `connector:<name>`. */
  readonly resource: string;
  /** Actions named by the scope; `undefined` when any action. */
  readonly actions: readonly string[] | undefined;
}

const ANY = '*';
/** Resource key of requests whose resource does not follow the id conventions: every bucket. */
const EVERY_CONNECTOR = '\u0000every';

function uidOf(value: EntityUidJson | undefined): { type: string; id: string } | undefined {
  if (value === undefined) return undefined;
  return '__entity' in value ? value.__entity : value;
}

/** The slicing key of a policy, from its scope (never from its conditions). */
export function policyScope(json: PolicyJson): PolicyScope {
  const p = json.principal;
  const pEntity = p.op === '==' || p.op === 'in' ? ('entity' in p ? uidOf(p.entity) : undefined) : p.op === 'is' && p.in !== undefined && 'entity' in p.in ? uidOf(p.in.entity) : undefined;
  let principal = ANY;
  if (pEntity?.type === cedarType('Agent')) principal = `agent:${pEntity.id}`;
  else if (pEntity?.type === cedarType('Group') && p.op !== '==') principal = `group:${pEntity.id}`;

  const r = json.resource;
  const rEntity = r.op === '==' || r.op === 'in' ? ('entity' in r ? uidOf(r.entity) : undefined) : r.op === 'is' && r.in !== undefined && 'entity' in r.in ? uidOf(r.in.entity) : undefined;
  let resource = ANY;
  if (rEntity?.type === cedarType('Connector')) resource = `connector:${rEntity.id}`;
  else if ((rEntity?.type === cedarType('Document') || rEntity?.type === cedarType('Record')) && rEntity.id.includes('/')) {
    resource = `connector:${rEntity.id.slice(0, rEntity.id.indexOf('/'))}`;
  }

  const a = json.action;
  const named = a.op === '==' ? ('entity' in a ? [uidOf(a.entity)] : [undefined]) : a.op === 'in' ? ('entity' in a ? [uidOf(a.entity)] : a.entities.map(uidOf)) : undefined;
  const actions = named === undefined || named.some((u) => u?.type !== cedarType('Action')) ? undefined : [...new Set(named.map((u) => u?.id ?? ''))];
  return { principal, resource, actions };
}

/** Preparsed policy sets live in Cedar's thread-local store, which has no delete: ids are recycled. */
const freeSlots: string[] = [];
let slotCounter = 0;
const releaseSlots = new FinalizationRegistry<Set<string>>((slots) => freeSlots.push(...slots));

interface Slice {
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

const ACTIONS = new Map<string, { type: string; id: string }>();
const actionUid = (action: string) => {
  let uid = ACTIONS.get(action);
  if (uid === undefined) ACTIONS.set(action, uid = { type: cedarType('Action'), id: action });
  return uid;
};

const NO_POLICY: Decision = Object.freeze({ allowed: false, policyIds: Object.freeze([]), reason: undefined, annotations: Object.freeze({}) });

/** Build the authorizer for a loaded, validated policy set. */
export function createCedarAuthorizer(config: Pick<Config, 'agents' | 'users' | 'connectors'>, loaded: LoadedPolicies, options: CedarAuthorizerOptions = {}): CedarAuthorizer {
  const capacity = Math.max(1, options.sliceCacheSize ?? 1024);
  const mayUseCapacity = Math.max(1, options.mayUseCacheSize ?? 4096);
  const strict = options.validateRequests === true;
  const schemaName = `gatehouse-schema-${createHash('sha256').update(loaded.schema.text).digest('hex').slice(0, 16)}`;
  const schemaAnswer = preparseSchema(schemaName, loaded.schema.text);
  if (schemaAnswer.type !== 'success') {
    throw new GatehouseError('POLICY_INVALID', `The generated Cedar schema does not parse: ${schemaAnswer.errors.map((e) => e.message).join('; ')}.`);
  }

  // principal key -> resource key -> action (or *) -> policies
  const index = new Map<string, Map<string, Map<string, LoadedPolicy[]>>>();
  const byId = new Map<string, LoadedPolicy>();
  for (const policy of loaded.policies) {
    byId.set(policy.id, policy);
    const scope = policyScope(policy.json);
    const resources = index.get(scope.principal) ?? new Map<string, Map<string, LoadedPolicy[]>>();
    index.set(scope.principal, resources);
    const actions = resources.get(scope.resource) ?? new Map<string, LoadedPolicy[]>();
    resources.set(scope.resource, actions);
    for (const action of scope.actions ?? [ANY]) {
      const list = actions.get(action) ?? [];
      actions.set(action, list);
      list.push(policy);
    }
  }
  const known: KnownEntities = {
    agents: new Map(config.agents.map((a) => [a.name, { name: a.name, owner: a.owner, description: a.description, groups: a.groups, attributes: a.attributes, actForUsers: a.act_for_users } satisfies Agent])),
    users: new Map(config.users.map((u) => [u.id, { id: u.id, groups: u.groups, attributes: u.attributes } satisfies EndUser])),
    connectors: new Map(config.connectors.map((c) => [c.name, { name: c.name, type: c.type, owner: c.owner, powers: c.powers } satisfies ConnectorFacts])),
  };
  const declared = loaded.schema.userAttributes;

  const slices = new Map<string, Slice>();
  const ownedSlots = new Set<string>();
  let slicesBuilt = 0;

  function collect(agent: Agent, connectorKey: string, action: string): LoadedPolicy[] {
    const out: LoadedPolicy[] = [];
    for (const pKey of [ANY, `agent:${agent.name}`, ...agent.groups.map((g) => `group:${g}`)]) {
      const resources = index.get(pKey);
      if (resources === undefined) continue;
      const rKeys = connectorKey === EVERY_CONNECTOR ? [...resources.keys()] : [ANY, `connector:${connectorKey}`];
      for (const rKey of rKeys) {
        const actions = resources.get(rKey);
        for (const aKey of [ANY, action]) out.push(...(actions?.get(aKey) ?? []));
      }
    }
    return out;
  }

  function buildSlice(agent: Agent, facts: ConnectorFacts, connectorKey: string, action: string): Slice {
    const policies = collect(agent, connectorKey, action);
    const needs = strict ? ALL_NEEDS : entityNeeds(policies.map((p) => p.json));
    let slot: string | undefined;
    if (policies.length > 0) {
      slot = slices.size >= capacity ? evictOldest() : (freeSlots.pop() ?? `gatehouse-slice-${++slotCounter}`);
      ownedSlots.add(slot);
      const answer = preparsePolicySet(slot, { staticPolicies: Object.fromEntries(policies.map((p) => [p.id, p.text])) });
      if (answer.type !== 'success') {
        throw new GatehouseError('POLICY_EVALUATION_FAILED', `Could not prepare the policies for agent "${agent.name}".`, { agent: agent.name }, {
          cause: new Error(answer.errors.map((e) => e.message).join('; ')),
        });
      }
    }
    slicesBuilt++;
    return {
      slot, policies, needs,
      hasPermit: policies.some((p) => p.effect === 'permit'),
      agent: agentEntity(agent, needs),
      connector: connectorEntity(facts, needs),
      literals: literalEntities(needs, known, declared),
    };
  }

  /** Drop the least recently used slice holding a preparsed set; its slot is reused. */
  function evictOldest(): string {
    for (const [key, slice] of slices) {
      slices.delete(key);
      if (slice.slot !== undefined) return slice.slot;
    }
    return freeSlots.pop() ?? `gatehouse-slice-${++slotCounter}`;
  }

  function sliceFor(agent: Agent, facts: ConnectorFacts, connectorKey: string, action: string): Slice {
    const key = `${agent.name}\u0000${connectorKey}\u0000${action}`;
    let slice = slices.get(key);
    if (slice !== undefined) {
      slices.delete(key); // re-insert: Map order is the LRU order
    } else {
      slice = buildSlice(agent, facts, connectorKey, action);
    }
    slices.set(key, slice);
    return slice;
  }

  function entitiesFor(slice: Slice, caller: Caller, resource: ResourceRef | undefined, ownConnector: boolean): EntityJson[] {
    const list: EntityJson[] = [];
    if (slice.agent !== undefined) list.push(slice.agent);
    const res = resource === undefined ? undefined : ownConnector ? slice.connector : resourceEntity(resource, slice.needs);
    if (res !== undefined) list.push(res);
    const user = caller.user === undefined ? undefined : userEntity(caller.user, declared, slice.needs);
    if (user !== undefined) list.push(user);
    if (slice.literals.length > 0) {
      // The request's own entities win over configuration's view of the same uid.
      const present = new Set([
        uidKey({ type: cedarType('Agent'), id: caller.agent.name }),
        ...(caller.user === undefined ? [] : [uidKey({ type: cedarType('User'), id: caller.user.id })]),
        ...(resource === undefined ? [] : [uidKey({ type: cedarType(resource.type), id: resource.id })]),
      ]);
      for (const literal of slice.literals) if (!present.has(uidKey(literal.uid as { type: string; id: string }))) list.push(literal);
    }
    return list;
  }

  const contextOf = (caller: Caller, tool: string, operation: string) => ({
    tool, operation, acting_for_user: caller.user !== undefined,
    ...(caller.user === undefined ? {} : { user: { __entity: { type: cedarType('User'), id: caller.user.id } } }),
  });

  function authorize(request: AuthorizationRequest): Decision {
    const { caller, action, connector, resource } = request;
    const ownConnector = resource.type === 'Connector' && resource.id === connector.name && resource.parents.length === 0;
    const slice = sliceFor(caller.agent, connector, connectorKeyOf(resource, connector.name, ownConnector), action);
    if (slice.slot === undefined) return NO_POLICY;
    const failed = (cause: unknown) => new GatehouseError('POLICY_EVALUATION_FAILED', `The policy engine could not decide whether agent "${caller.agent.name}" may ${action} ${resource.type} "${resource.id}".`, {
      agent: caller.agent.name, action, connector: connector.name,
    }, { cause });
    let answer: AuthorizationAnswer;
    try {
      answer = statefulIsAuthorized({
        principal: { type: cedarType('Agent'), id: caller.agent.name },
        action: actionUid(action),
        resource: { type: cedarType(resource.type), id: resource.id },
        context: contextOf(caller, request.tool, request.operation),
        entities: entitiesFor(slice, caller, resource, ownConnector),
        preparsedPolicySetId: slice.slot,
        ...(strict ? { preparsedSchemaName: schemaName, validateRequest: true } : { validateRequest: false }),
      });
    } catch (err) {
      throw err instanceof GatehouseError ? err : failed(err);
    }
    if (answer.type !== 'success') throw failed(new Error(answer.errors.map((e) => e.message).join('; ')));
    const { decision, diagnostics } = answer.response;
    if (diagnostics.errors.length > 0) {
      throw failed(new Error(diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`).join('; ')));
    }
    return decisionOf(decision === 'allow', [...diagnostics.reason].sort(), byId);
  }

  const mayUseCache = new Map<string, boolean>();
  function mayUse(caller: Caller, action: Power, connector: ConnectorFacts, tool: string, operation: string): boolean {
    const user = caller.user === undefined ? '' : `${caller.user.id}\u0000${JSON.stringify(caller.user.groups)}\u0000${JSON.stringify(caller.user.attributes)}`;
    const key = [caller.agent.name, user, connector.name, action, tool, operation].join('\u0001');
    let answer = mayUseCache.get(key);
    if (answer === undefined) {
      answer = couldPermit(caller, action, connector, tool, operation);
      if (mayUseCache.size >= mayUseCapacity) mayUseCache.delete(mayUseCache.keys().next().value as string);
      mayUseCache.set(key, answer);
    }
    return answer;
  }

  /** Partial evaluation with the resource unknown; anything unclear answers false. */
  function couldPermit(caller: Caller, action: Power, connector: ConnectorFacts, tool: string, operation: string): boolean {
    try {
      const slice = sliceFor(caller.agent, connector, connector.name, action);
      if (!slice.hasPermit) return false;
      slice.texts ??= Object.fromEntries(slice.policies.map((p) => [p.id, p.text]));
      const answer = isAuthorizedPartial({
        principal: { type: cedarType('Agent'), id: caller.agent.name },
        action: actionUid(action),
        resource: null,
        context: contextOf(caller, tool, operation),
        policies: { staticPolicies: slice.texts },
        entities: entitiesFor(slice, caller, undefined, false),
      });
      if (answer.type !== 'residuals') return false;
      const r = answer.response;
      if (r.errored.length > 0 || r.decision === 'deny') return false;
      if (r.decision === 'allow') return true;
      const effect = (id: string) => byId.get(id)?.effect;
      // A forbid satisfied whatever the resource would have made the decision deny; be explicit anyway.
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
      return { slicesBuilt, slicesCached: slices.size };
    },
  };
  releaseSlots.register(authorizer, ownedSlots);
  return authorizer;
}

/**
 * The connector bucket a request can use: its connector when the resource is that connector, or a
 * Document/Record whose id is `<connector>/...` and whose only parent is that connector. Anything
 * else could match a policy scoped to another connector, so it gets every bucket.
 */
function connectorKeyOf(resource: ResourceRef, connector: string, ownConnector: boolean): string {
  if (ownConnector) return connector;
  const parent = resource.parents[0];
  const conventional = resource.type !== 'Connector' && resource.id.startsWith(`${connector}/`)
    && resource.parents.length === 1 && parent?.type === 'Connector' && parent.id === connector;
  return conventional ? connector : EVERY_CONNECTOR;
}

function decisionOf(allowed: boolean, ids: readonly string[], byId: ReadonlyMap<string, LoadedPolicy>): Decision {
  const annotations: Record<string, Readonly<Record<string, string>>> = {};
  let reason: string | undefined;
  for (const id of ids) {
    const policy = byId.get(id);
    annotations[id] = policy?.annotations ?? {};
    if (!allowed && reason === undefined && policy?.effect === 'forbid') reason = policy.annotations['reason'];
  }
  return { allowed, policyIds: ids, reason, annotations };
}
