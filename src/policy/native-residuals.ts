/**
 * Native evaluation of residual policies: when every policy of a set lies in the subset of Cedar that
 * native-expr.ts implements, its calls are decided here, from the very request JSON Cedar would get,
 * with Cedar's answer: the decision, the deciding policies and the policies that failed.
 *
 * As in Cedar, every policy is evaluated (a failing one is reported even when a forbid already
 * decides); a policy applies when its scope holds and then each `when` condition is true and each
 * `unless` condition false, in order, stopping at the first that does not hold; a condition that is
 * not a boolean fails the policy. The decision is allow when some permit applies and no forbid does;
 * the deciding policies are the applying forbids, else (on allow) the applying permits.
 *
 * Where a request or a value leaves the native domain (native-values.ts) the answer is undefined and
 * the caller asks Cedar: native evaluation never guesses.
 */
import type { EntityUidJson, PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import { compileExpr, within, type Compiled } from './native-expr.js';
import { CedarFailure, FAILURE, NotNative, nativeRequest, uidValue, type Env, type RequestInput } from './native-values.js';

/** A policy compiled for native evaluation. */
export interface NativePolicy {
  readonly id: string;
  readonly effect: 'permit' | 'forbid';
  /** Whether the policy applies; throws `FAILURE` when it fails, `NOT_NATIVE` to hand over to Cedar. */
  readonly applies: (env: Env) => boolean;
}

/** Cedar's answer for a call, worked out natively. */
export interface NativeVerdict {
  readonly allowed: boolean;
  /** Ids of the deciding policies, in policy order. */
  readonly reason: readonly string[];
  /** Ids of the policies whose evaluation failed. */
  readonly errored: readonly string[];
}

type Scope = PolicyJson['principal'] | PolicyJson['resource'];
type Variable = (env: Env) => ReturnType<typeof uidValue>;

/** A principal or resource scope, or undefined when it is not native (a slot, a type outside the domain). */
function scopeOf(scope: Scope, variable: Variable): ((env: Env) => boolean) | undefined {
  const target = (json: { entity: EntityUidJson } | { slot: string }) => {
    try {
      return 'entity' in json ? uidValue(json.entity) : undefined;
    } catch {
      return undefined;
    }
  };
  switch (scope.op) {
    case 'All': return () => true;
    case '==': {
      const e = target(scope);
      return e === undefined ? undefined : (env) => variable(env).key === e.key;
    }
    case 'in': {
      const e = target(scope);
      return e === undefined ? undefined : (env) => within(env, variable(env), e);
    }
    case 'is': {
      const type = scope.entity_type;
      const e = scope.in === undefined ? undefined : target(scope.in);
      if (scope.in !== undefined && e === undefined) return undefined;
      return (env) => {
        const v = variable(env);
        return v.type === type && (e === undefined || within(env, v, e));
      };
    }
    default: return undefined;
  }
}

/** A condition clause as a test: `when` must be true, `unless` false; anything else fails. */
function clauseOf(kind: 'when' | 'unless', body: Compiled): (env: Env) => boolean {
  return (env) => {
    const value = body(env);
    if (typeof value !== 'boolean') throw FAILURE;
    return kind === 'when' ? value : !value;
  };
}

/**
 * The policies compiled for native evaluation, or undefined when one of them is not native. Only
 * policies open to any action are taken: action scopes may depend on action groups.
 */
export function compilePolicies(policies: readonly { id: string; effect: 'permit' | 'forbid'; json: PolicyJson }[]): NativePolicy[] | undefined {
  const out: NativePolicy[] = [];
  for (const policy of policies) {
    const json = policy.json;
    if (json.action.op !== 'All' || json.effect !== policy.effect) return undefined;
    const principal = scopeOf(json.principal, (env) => env.principal);
    const resource = scopeOf(json.resource, (env) => env.resource);
    const clauses: ((env: Env) => boolean)[] = [];
    for (const clause of json.conditions) {
      const body = compileExpr(clause.body);
      if (body === undefined || (clause.kind !== 'when' && clause.kind !== 'unless')) return undefined;
      clauses.push(clauseOf(clause.kind, body));
    }
    if (principal === undefined || resource === undefined) return undefined;
    out.push({ id: policy.id, effect: policy.effect, applies: (env) => principal(env) && resource(env) && clauses.every((c) => c(env)) });
  }
  return out;
}

/** Cedar's answer for `call` under `policies`, or undefined to ask Cedar. */
export function evaluateNative(policies: readonly NativePolicy[], call: RequestInput): NativeVerdict | undefined {
  try {
    const env = nativeRequest(call);
    const permits: string[] = [];
    const forbids: string[] = [];
    const errored: string[] = [];
    for (const policy of policies) {
      let applies: boolean;
      try {
        applies = policy.applies(env);
      } catch (err) {
        if (!(err instanceof CedarFailure)) throw err;
        errored.push(policy.id);
        continue;
      }
      if (applies) (policy.effect === 'permit' ? permits : forbids).push(policy.id);
    }
    const allowed = forbids.length === 0 && permits.length > 0;
    return { allowed, reason: forbids.length > 0 ? forbids : allowed ? permits : [], errored };
  } catch (err) {
    if (err instanceof NotNative) return undefined;
    throw err;
  }
}
