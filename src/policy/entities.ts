/**
 * Cedar entity JSON for one authorization request: the agent, the end user it acts for, the connector
 * and the resource. Per-agent and per-connector entities are built once per policy slice (see
 * cedar-authorizer.ts); only the user and the resource are built per call.
 *
 * Entities carry only what the policies in a slice can observe (`EntityNeeds`): Cedar's cost grows
 * with every attribute it parses, and an attribute no policy names cannot change a decision. Cedar
 * has no way to enumerate an entity's attributes, and `has`/attribute access on an entity that is not
 * in the store behaves exactly like on an entity that lacks the attribute, so pruning is sound.
 */
import type { EntityJson, Expr, PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { Agent, AttributeValue, Attributes, Caller, EndUser, ResourceRef } from '../domain/types.js';
import { GatehouseError } from '../errors/catalog.js';
import type { ConnectorFacts } from './authorizer.js';
import { CEDAR_NAMESPACE, cedarTypeOf, type CedarAttributeType } from './cedar-schema.js';

/** A Cedar entity uid as JSON. */
export interface EntityUid {
  readonly type: string;
  readonly id: string;
}

/** What the policies of a slice can observe about entities. */
export interface EntityNeeds {
  /** Names read with `.name`, `["name"]` or `has name`, on any entity; `undefined` = keep all. */
  readonly attributes: ReadonlySet<string> | undefined;
  /**
   * Whether any attribute or ancestor of the principal may be read: through `principal`, through an
   * entity literal (which may be the principal) or through an entity computed at evaluation time.
   * When false, the principal's entity is not sent at all.
   */
  readonly principal: boolean;
  /** Whether `in` may test the ancestors (groups, connector) of each request entity. */
  readonly principalAncestors: boolean;
  readonly resourceAncestors: boolean;
  readonly userAncestors: boolean;
  /** Entity literals whose attributes or ancestors a condition may read. */
  readonly literals: readonly EntityUid[];
  /** Context keys read with `context.key` or `context has key`; `undefined` = keep all. */
  readonly context: ReadonlySet<string> | undefined;
}

/** Needs that keep every attribute and ancestor (for schema-validated requests). */
export const ALL_NEEDS: EntityNeeds = {
  attributes: undefined, principal: true, principalAncestors: true, resourceAncestors: true, userAncestors: true, literals: [], context: undefined,
};

/** Cedar type name, e.g. `Gatehouse::Agent`. */
export function cedarType(type: string): string {
  return `${CEDAR_NAMESPACE}::${type}`;
}

interface NeedsBuilder {
  attributes: Set<string>;
  principal: boolean;
  resource: boolean;
  user: boolean;
  /** Some attribute or ancestor of the principal may be read (see `EntityNeeds.principal`). */
  principalData: boolean;
  /** A value of unknown origin is read or tested: every literal may be the entity in question. */
  anyLiteral: boolean;
  readLiterals: Map<string, EntityUid>;
  allLiterals: Map<string, EntityUid>;
  context: Set<string>;
  /** `context` is used as a whole value, not only through its keys. */
  wholeContext: boolean;
}

/** Work out what a set of policies can observe, from their JSON (EST) form. */
export function entityNeeds(policies: readonly PolicyJson[]): EntityNeeds {
  const b: NeedsBuilder = {
    attributes: new Set(), principal: false, resource: false, user: false, principalData: false, anyLiteral: false,
    readLiterals: new Map(), allLiterals: new Map(), context: new Set(), wholeContext: false,
  };
  for (const policy of policies) {
    if (policy.principal.op === 'in' || (policy.principal.op === 'is' && policy.principal.in !== undefined)) b.principal = true;
    if (policy.resource.op === 'in' || (policy.resource.op === 'is' && policy.resource.in !== undefined)) b.resource = true;
    for (const clause of policy.conditions) walk(clause.body, b);
  }
  const literals = [...(b.anyLiteral ? b.allLiterals : b.readLiterals).values()];
  // A literal may be the principal, resource or user itself: their entities then need ancestors too.
  const withLiterals = literals.length > 0;
  return {
    attributes: b.attributes,
    principal: b.principal || b.principalData || withLiterals,
    principalAncestors: b.principal || withLiterals,
    resourceAncestors: b.resource || withLiterals,
    userAncestors: b.user || withLiterals,
    literals,
    context: b.wholeContext ? undefined : b.context,
  };
}

function literalOf(expr: unknown): EntityUid | undefined {
  const value = (expr as { Value?: unknown }).Value;
  if (value === null || typeof value !== 'object') return undefined;
  const uid = ((value as { __entity?: unknown }).__entity ?? undefined) as EntityUid | undefined;
  return uid !== undefined && typeof uid.type === 'string' && typeof uid.id === 'string' ? uid : undefined;
}

/** Record that the entity `expr` evaluates to may have its attributes or ancestors read. */
function observed(expr: Expr, b: NeedsBuilder, ancestors: boolean): void {
  const node = expr as Record<string, unknown>;
  const literal = literalOf(expr);
  if (literal !== undefined) {
    b.readLiterals.set(uidKey(literal), literal);
    return;
  }
  const variable = node['Var'];
  if (variable === 'principal' || variable === 'resource') {
    if (ancestors) b[variable] = true;
    if (variable === 'principal') b.principalData = true;
    return;
  }
  const dot = node['.'] as { left: Expr; attr: string } | undefined;
  if (dot !== undefined && dot.attr === 'user' && (dot.left as Record<string, unknown>)['Var'] === 'context') {
    if (ancestors) b.user = true;
    return;
  }
  if (variable === 'context' || variable === 'action') return;
  // Anything else (if-then-else, a set, ...) could be any entity.
  b.anyLiteral = true;
  b.principalData = true;
  if (ancestors) b.principal = b.resource = b.user = true;
}

function walk(expr: unknown, b: NeedsBuilder): void {
  if (expr === null || typeof expr !== 'object') return;
  if (Array.isArray(expr)) {
    for (const item of expr) walk(item, b);
    return;
  }
  const node = expr as Record<string, unknown>;
  if ('Value' in node) return valueLiterals(node['Value'], b);
  if (node['Var'] === 'context') b.wholeContext = true;
  const dot = node['.'] as { left: Expr; attr: string } | undefined;
  const has = node['has'] as { left: Expr; attr: string | string[] } | undefined;
  const read = dot ?? has;
  if (read !== undefined) {
    const names = Array.isArray(read.attr) ? read.attr : [read.attr];
    if ((read.left as Record<string, unknown>)['Var'] === 'context') {
      // `context.a.b` reads key a of the context, then attribute b of what it holds.
      b.context.add(names[0] as string);
      for (const name of names.slice(1)) b.attributes.add(name);
      return walkChildren(node, b, read.left);
    }
    for (const name of names) b.attributes.add(name);
    observed(read.left, b, false);
  }
  const inside = node['in'] as { left: Expr } | undefined;
  if (inside !== undefined) observed(inside.left, b, true);
  const is = node['is'] as { left: Expr; in?: Expr } | undefined;
  if (is?.in !== undefined) observed(is.left, b, true);
  walkChildren(node, b, undefined);
}

/** Entity literals inside a literal value (possibly nested in sets and records). */
function valueLiterals(value: unknown, b: NeedsBuilder): void {
  if (value === null || typeof value !== 'object') return;
  const uid = (value as { __entity?: EntityUid }).__entity;
  if (uid !== undefined && typeof uid.type === 'string' && typeof uid.id === 'string') {
    b.allLiterals.set(uidKey(uid), { type: uid.type, id: uid.id });
    return;
  }
  for (const child of Object.values(value)) valueLiterals(child, b);
}

function walkChildren(node: Record<string, unknown>, b: NeedsBuilder, skip: unknown): void {
  for (const child of Object.values(node)) {
    if (child !== null && typeof child === 'object' && !Array.isArray(child)) {
      // Descend into the operator's operands, except the `context` an attribute read starts from.
      for (const operand of Object.values(child as Record<string, unknown>)) if (operand !== skip) walk(operand, b);
    } else {
      walk(child, b);
    }
  }
}

function pick(attributes: Attributes, needs: EntityNeeds): Record<string, AttributeValue> {
  if (needs.attributes === undefined) return { ...attributes };
  const out: Record<string, AttributeValue> = {};
  for (const name of needs.attributes) {
    const value = attributes[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** An entity, or `undefined` when the policies can observe nothing of it beyond its uid. */
function entity(uid: EntityUid, attrs: Record<string, AttributeValue>, parents: readonly EntityUid[], ancestors: boolean): EntityJson | undefined {
  const keptParents = ancestors ? parents.map((p) => ({ type: p.type, id: p.id })) : [];
  if (keptParents.length === 0 && Object.keys(attrs).length === 0) return undefined;
  return { uid: { type: uid.type, id: uid.id }, attrs: attrs as EntityJson['attrs'], parents: keptParents };
}

const groupsOf = (groups: readonly string[]): EntityUid[] => groups.map((g) => ({ type: cedarType('Group'), id: g }));

/** `Agent::"<name>"` with `owner`, its attributes, and its groups as parents. */
export function agentEntity(agent: Agent, needs: EntityNeeds): EntityJson | undefined {
  return entity({ type: cedarType('Agent'), id: agent.name }, pick({ owner: agent.owner, ...agent.attributes }, needs), groupsOf(agent.groups), needs.principalAncestors);
}

/** `Connector::"<name>"` with its type, owner and powers. */
export function connectorEntity(facts: ConnectorFacts, needs: EntityNeeds): EntityJson | undefined {
  const attrs: Attributes = { type: facts.type, owner: facts.owner, powers: [...facts.powers] };
  return entity({ type: cedarType('Connector'), id: facts.name }, pick(attrs, needs), [], needs.resourceAncestors);
}

/**
 * `User::"<id>"` with its groups as parents. Attributes the schema does not declare are dropped (as
 * claims are); a declared attribute of the wrong type fails the call: policy must not see it.
 */
export function userEntity(user: EndUser, declared: ReadonlyMap<string, CedarAttributeType>, needs: EntityNeeds): EntityJson | undefined {
  const attrs = pick(user.attributes, needs);
  for (const [name, value] of Object.entries(attrs)) {
    const type = declared.get(name);
    if (type === undefined) delete attrs[name];
    else if (cedarTypeOf(value) !== type) {
      throw new GatehouseError('POLICY_EVALUATION_FAILED', `Attribute "${name}" of user "${user.id}" is not of the declared type ${type}.`, { user: user.id, attribute: name });
    }
  }
  return entity({ type: cedarType('User'), id: user.id }, attrs, groupsOf(user.groups), needs.userAncestors);
}

/** The request's resource as an entity: a Document, a Record or a Connector other than the current one. */
export function resourceEntity(ref: ResourceRef, needs: EntityNeeds): EntityJson | undefined {
  const parents = ref.parents.map((p) => ({ type: cedarType(p.type), id: p.id }));
  return entity({ type: cedarType(ref.type), id: ref.id }, pick(ref.attributes, needs), parents, needs.resourceAncestors);
}

/** Entities known from configuration by uid key `type\0id`, for literals policies name. */
export interface KnownEntities {
  readonly agents: ReadonlyMap<string, Agent>;
  readonly users: ReadonlyMap<string, EndUser>;
  readonly connectors: ReadonlyMap<string, ConnectorFacts>;
}

/** Entities for the literals of `needs` that configuration knows; unknown ones stay absent. */
export function literalEntities(needs: EntityNeeds, known: KnownEntities, declared: ReadonlyMap<string, CedarAttributeType>): EntityJson[] {
  const out: EntityJson[] = [];
  for (const uid of needs.literals) {
    const local = uid.type.startsWith(`${CEDAR_NAMESPACE}::`) ? uid.type.slice(CEDAR_NAMESPACE.length + 2) : '';
    const agent = local === 'Agent' ? known.agents.get(uid.id) : undefined;
    const user = local === 'User' ? known.users.get(uid.id) : undefined;
    const connector = local === 'Connector' ? known.connectors.get(uid.id) : undefined;
    const built = agent !== undefined ? agentEntity(agent, needs)
      : user !== undefined ? userEntity(user, declared, needs)
        : connector !== undefined ? connectorEntity(connector, needs) : undefined;
    if (built !== undefined) out.push(built);
  }
  return out;
}

/** Key of an entity uid, for de-duplication. */
export function uidKey(uid: EntityUid): string {
  return `${uid.type}\u0000${uid.id}`;
}

/** The entities a slice sends with every call besides the request's own, pruned to `needs`. */
export interface SliceEntities {
  readonly needs: EntityNeeds;
  readonly agent: EntityJson | undefined;
  readonly connector: EntityJson | undefined;
  readonly literals: readonly EntityJson[];
}

/**
 * Principal, action, resource, context and entities of a call, pruned to what `sends.needs` can
 * observe. `ownConnector`: the resource is the connector of `sends.connector`.
 */
export function cedarRequest(
  sends: SliceEntities, declared: ReadonlyMap<string, CedarAttributeType>,
  caller: Caller, action: string, resource: ResourceRef | undefined, ownConnector: boolean, tool: string, operation: string,
) {
  const needs = sends.needs;
  const wants = (key: string) => needs.context === undefined || needs.context.has(key);
  const context: Record<string, unknown> = {};
  if (wants('tool')) context['tool'] = tool;
  if (wants('operation')) context['operation'] = operation;
  if (wants('acting_for_user')) context['acting_for_user'] = caller.user !== undefined;
  const user = caller.user !== undefined && wants('user') ? caller.user : undefined;
  if (user !== undefined) context['user'] = { __entity: { type: cedarType('User'), id: user.id } };

  const entities: EntityJson[] = [];
  if (sends.agent !== undefined) entities.push(sends.agent);
  const res = resource === undefined ? undefined : ownConnector ? sends.connector : resourceEntity(resource, needs);
  if (res !== undefined) entities.push(res);
  const userJson = user === undefined ? undefined : userEntity(user, declared, needs);
  if (userJson !== undefined) entities.push(userJson);
  if (sends.literals.length > 0) {
    // The request's own entities win over configuration's view of the same uid.
    const present = new Set([
      uidKey({ type: cedarType('Agent'), id: caller.agent.name }),
      ...(resource === undefined ? [] : [uidKey({ type: cedarType(resource.type), id: resource.id })]),
      ...(user === undefined ? [] : [uidKey({ type: cedarType('User'), id: user.id })]),
    ]);
    for (const literal of sends.literals) if (!present.has(uidKey(literal.uid as { type: string; id: string }))) entities.push(literal);
  }
  return {
    principal: { type: cedarType('Agent'), id: caller.agent.name },
    action: { type: cedarType('Action'), id: action },
    resource: resource === undefined ? null : { type: cedarType(resource.type), id: resource.id },
    context: context as Record<string, never>,
    entities,
  };
}

