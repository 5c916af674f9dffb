/**
 * Residual policies of a slice. Every call a slice serves has the same agent and action; whether it
 * acts for a user fixes the shape of its context, and the calls of one tool share `context.tool`
 * and `context.operation`; users with the same profile (user-profile.ts) look the same to the
 * policies. So for each such kind of call the policies are partially evaluated once, with Cedar
 * (`isAuthorizedPartial`): the agent entity given, the user given as its profile or left unknown, the
 * tool given or left unknown, the resource unknown. What is left is evaluated per call.
 *
 * Soundness rests on Cedar's partial evaluation: a residual evaluates, once the unknowns are bound,
 * to what the policy evaluates to, errors included. On top of it:
 * - The resource scope is left out of partial evaluation and put back on the residual. A scope never
 *   errors, and Cedar evaluates it before the conditions, as it does in the original policy.
 * - A residual that is the constant `false` can never apply nor fail: it is dropped.
 * - In a slice of one connector's own resources (see `connectorOf` in policy-index.ts) every
 *   resource is that connector or has it as its only parent, so `resource in Connector::"<it>"` and
 *   `resource is <the slice's type>` (and, for the connector itself, `resource == Connector::"<it>"`)
 *   are true and are removed from the scope.
 * - Constants partial evaluation leaves in boolean positions are folded where no operand can fail
 *   (`simplify`).
 * - Policies with identical residuals apply (or fail) together: Cedar evaluates one of them and the
 *   decision names them all.
 * - A profile's user stands for any user with that profile; if its uid shows up in a residual, the
 *   residual is not used.
 * Anything unexpected (an errored policy, a residual of an unknown shape or with a foreign unknown,
 * a policy that itself calls `unknown`, a long that JSON cannot carry exactly) returns undefined:
 * the caller keeps the original policies.
 * The entities a residual needs per call are worked out from the residual itself (entities.ts).
 */
import type { EntityJson, EntityUidJson, Expr, PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import { isAuthorizedPartial } from './cedar-calls.js';
import { cedarType } from './entities.js';
import type { LoadedPolicy } from './policy-loader.js';
import type { UserProfile } from './user-profile.js';

/** One policy Cedar evaluates for the slice, standing for one or more original policies. */
export interface ResidualPolicy {
  /** Id under which Cedar evaluates and reports it: the first of `ids`. */
  readonly id: string;
  /** Ids of the original policies with this residual. */
  readonly ids: readonly string[];
  readonly effect: 'permit' | 'forbid';
  readonly json: PolicyJson;
  /** Applies to every call of the slice, without error (open scope, no condition). */
  readonly always: boolean;
}

/** What every call of a slice has in common. */
export interface SliceFacts {
  /** The agent's full entity (all attributes and groups). */
  readonly agent: EntityJson;
  /** Action id, e.g. `read`. */
  readonly action: string;
  /** Whether calls act for a user: `context.acting_for_user` and `context has user`. */
  readonly actingForUser: boolean;
  /** `context.tool` and `context.operation` when every call of this evaluation has them; else unknown. */
  readonly tool: string | undefined;
  readonly operation: string | undefined;
  /**
   * When acting for a user: the profile every user of this evaluation shares (user-profile.ts), or
   * undefined to leave the user unknown.
   */
  readonly user: UserProfile | undefined;
  /** The connector whose own resources the slice serves, if it is conventional. */
  readonly connector: string | undefined;
  /** The resources' entity type (without namespace), if known. */
  readonly resourceType: string | undefined;
}

/** Context keys whose values vary per call, as Cedar unknowns named `context.<key>`. */
const VARYING_CONTEXT = ['tool', 'operation'] as const;
const unknownValue = (name: string) => ({ __extn: { fn: 'unknown', arg: name } });
/** Stands for every user of a profile; its id is never observed, so it must not be left in a residual. */
const PROFILE_USER = { type: cedarType('User'), id: 'gatehouse:user-profile' };
const OPEN = { op: 'All' } as const;

/** The residual policies of a slice, or undefined when partial evaluation gives no clear answer. */
export function residualPolicies(policies: readonly LoadedPolicy[], facts: SliceFacts): ResidualPolicy[] | undefined {
  // JSON numbers are doubles: a Cedar long beyond 2^53 has lost its value in `json` (not in `text`).
  if (policies.some((p) => JSON.stringify(p.json).includes('"unknown":[') || hasUnsafeNumber(p.json))) return undefined;
  const context: Record<string, unknown> = { acting_for_user: facts.actingForUser };
  for (const key of VARYING_CONTEXT) context[key] = facts[key] ?? unknownValue(`context.${key}`);
  const entities = [facts.agent];
  if (facts.actingForUser && facts.user !== undefined) {
    context['user'] = { __entity: PROFILE_USER };
    entities.push({ uid: PROFILE_USER, attrs: { ...facts.user.attributes } as EntityJson['attrs'], parents: facts.user.groups.map((id) => ({ type: cedarType('Group'), id })) });
  } else if (facts.actingForUser) {
    context['user'] = unknownValue('context.user');
  }
  let answer;
  try {
    answer = isAuthorizedPartial({
      principal: facts.agent.uid,
      action: { type: cedarType('Action'), id: facts.action },
      resource: null,
      context: context as Record<string, never>,
      policies: { staticPolicies: Object.fromEntries(policies.map((p) => [p.id, { ...p.json, resource: OPEN, annotations: {} }])) },
      entities,
    });
  } catch {
    return undefined;
  }
  if (answer.type !== 'residuals' || answer.response.errored.length > 0) return undefined;
  if (facts.user !== undefined && JSON.stringify(answer.response.residuals).includes(JSON.stringify(PROFILE_USER.id))) return undefined;
  if (hasUnsafeNumber(answer.response.residuals)) return undefined;
  const out = new Map<string, { id: string; ids: string[]; effect: 'permit' | 'forbid'; json: PolicyJson; always: boolean }>();
  for (const policy of policies) {
    const condition = residualCondition(answer.response.residuals[policy.id]);
    if (condition === undefined) return undefined;
    if (condition === false) continue;
    const resource = narrowScope(policy.json.resource, facts);
    const json: PolicyJson = {
      effect: policy.effect, principal: OPEN, action: OPEN, resource,
      conditions: condition === true ? [] : [{ kind: 'when', body: condition }],
    };
    const key = JSON.stringify(json);
    const same = out.get(key);
    if (same !== undefined) same.ids.push(policy.id);
    else out.set(key, { id: policy.id, ids: [policy.id], effect: policy.effect, json, always: condition === true && resource.op === 'All' });
  }
  return [...out.values()];
}

/**
 * The condition left of a residual with the unknowns bound back to `resource` and `context.<key>`:
 * `true`, `false`, an expression, or undefined when the residual is not of the expected shape.
 */
function residualCondition(residual: PolicyJson | undefined): Expr | boolean | undefined {
  if (residual === undefined || residual.principal.op !== 'All' || residual.action.op !== 'All' || residual.resource.op !== 'All') return undefined;
  const [clause, ...rest] = residual.conditions;
  if (clause === undefined || clause.kind !== 'when' || rest.length > 0) return undefined;
  const bound = bindUnknowns(clause.body);
  if (bound === undefined || hasUnknown(bound)) return undefined;
  const simple = simplify(bound);
  const value = (simple as { Value?: unknown }).Value;
  return value === true || value === false ? value : simple;
}

const constant = (e: Expr) => (e as { Value?: unknown }).Value;

/**
 * `expr`, which sits where Cedar requires a boolean (a condition, an operand of `&&`, `||`, `!`),
 * without the constants partial evaluation leaves: `true && x`, `x && true`, `false || x` and
 * `x || false` are `x` there (a non-boolean `x` fails either way), `false && x` is false, `true || x`
 * is true and `!` of a constant is a constant. `x && false` and `x || true` stay: `x` may fail.
 */
function simplify(expr: Expr): Expr {
  const node = expr as { '&&'?: { left: Expr; right: Expr }; '||'?: { left: Expr; right: Expr }; '!'?: { arg: Expr } };
  const pair = node['&&'] ?? node['||'];
  if (pair !== undefined) {
    const and = node['&&'] !== undefined;
    const left = simplify(pair.left);
    const right = simplify(pair.right);
    if (constant(left) === !and) return left;
    if (constant(left) === and) return right;
    if (constant(right) === and) return left;
    return (and ? { '&&': { left, right } } : { '||': { left, right } }) as Expr;
  }
  if (node['!'] !== undefined) {
    const arg = simplify(node['!'].arg);
    const value = constant(arg);
    return typeof value === 'boolean' ? { Value: !value } : { '!': { arg } };
  }
  return expr;
}

/** A copy of `expr` with Cedar's `unknown("resource")` and our `unknown("context.<key>")` bound back. */
function bindUnknowns(expr: unknown): Expr | undefined {
  if (Array.isArray(expr)) {
    const items = expr.map(bindUnknowns);
    return items.includes(undefined) ? undefined : (items as unknown as Expr);
  }
  if (expr === null || typeof expr !== 'object') return expr as Expr;
  const node = expr as Record<string, unknown>;
  if ('Value' in node) return node as Expr;
  const call = node['unknown'];
  if (call !== undefined) {
    const name = Array.isArray(call) && call.length === 1 ? (call[0] as { Value?: unknown }).Value : undefined;
    if (name === 'resource') return { Var: 'resource' };
    const key = typeof name === 'string' && name.startsWith('context.') ? name.slice('context.'.length) : undefined;
    return key !== undefined && (key === 'user' || (VARYING_CONTEXT as readonly string[]).includes(key))
      ? { '.': { left: { Var: 'context' }, attr: key } } : undefined;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    const bound = bindUnknowns(v);
    if (bound === undefined && v !== undefined) return undefined;
    out[k] = bound;
  }
  return out as Expr;
}

/** Whether an `unknown` extension call is left anywhere, including inside literal values. */
function hasUnknown(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some(hasUnknown);
  const node = value as Record<string, unknown>;
  if ('unknown' in node) return true;
  const extension = node['__extn'] as { fn?: unknown } | undefined;
  if (extension?.fn === 'unknown') return true;
  return Object.values(node).some(hasUnknown);
}

/** Whether a number in `value` is not an integer a double holds exactly (Cedar has only longs). */
function hasUnsafeNumber(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isSafeInteger(value);
  if (value === null || typeof value !== 'object') return false;
  return (Array.isArray(value) ? value : Object.values(value)).some(hasUnsafeNumber);
}

const uidOf = (value: EntityUidJson) => ('__entity' in value ? value.__entity : value);

/** The resource scope with the parts every resource of the slice satisfies removed. */
function narrowScope(scope: PolicyJson['resource'], facts: SliceFacts): PolicyJson['resource'] {
  if (facts.connector === undefined || facts.resourceType === undefined) return scope;
  const ownConnector = (target: { entity: EntityUidJson } | { slot: string }) => {
    if (!('entity' in target)) return false;
    const uid = uidOf(target.entity);
    return uid.type === cedarType('Connector') && uid.id === facts.connector;
  };
  if (scope.op === 'in' && ownConnector(scope)) return OPEN;
  // The connector's own slice serves exactly that connector (resource type Connector).
  if (scope.op === '==' && facts.resourceType === 'Connector' && ownConnector(scope)) return OPEN;
  if (scope.op === 'is' && scope.entity_type === cedarType(facts.resourceType) && (scope.in === undefined || ownConnector(scope.in))) return OPEN;
  return scope;
}
