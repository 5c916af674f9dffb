/**
 * Cedar expressions (JSON/EST form) compiled to functions, for the subset of the language native
 * residual evaluation implements (native-residuals.ts), with Cedar's semantics:
 *
 * - literals (booleans, longs, strings, entities, sets, records), `principal`, `resource`, `context`;
 * - `&&`, `||` (the left operand first; the right one only when it decides; both must be booleans),
 *   `!`, `if-then-else` (a boolean condition, then only the chosen branch);
 * - `==`, `!=` (never fail; values of different types are unequal), `<`, `<=`, `>`, `>=` on longs;
 * - `+`, `-`, `*`, `neg` on longs: a result a double cannot hold exactly is not computed natively
 *   (Cedar then decides whether it overflows 64 bits);
 * - `.attr` (fails on a missing attribute or entity), `has attr` (false for a missing entity) on
 *   entities and records; `like` on strings; `is`, `is ... in`;
 * - `in` an entity or a set of entities (an entity is in itself and in its ancestors);
 * - `contains`, `containsAll`, `containsAny`, `isEmpty` on sets.
 *
 * An operand of the wrong type is an evaluation error (`FAILURE`), as in Cedar. Anything else (the
 * `action` variable, slots, tags, extension functions, `has` of a path, `unknown`) does not compile:
 * the policies are then left to Cedar.
 */
import type { Expr, PatternElem } from '@cedar-policy/cedar-wasm/nodejs';
import {
  CedarRecord, CedarSet, EntityRef, equal, FAILURE, jsonValue, member, NOT_NATIVE, NotNative, subset,
  type Env, type Value,
} from './native-values.js';

/** A compiled expression. Throws `FAILURE` on an evaluation error, `NOT_NATIVE` to hand over to Cedar. */
export type Compiled = (env: Env) => Value;

type Pair = { left: Expr; right: Expr };
type Node = Record<string, unknown>;

const bool = (v: Value): boolean => {
  if (typeof v !== 'boolean') throw FAILURE;
  return v;
};
const long = (v: Value): number => {
  if (typeof v !== 'number') throw FAILURE;
  return v;
};
const entity = (v: Value): EntityRef => {
  if (!(v instanceof EntityRef)) throw FAILURE;
  return v;
};
const set = (v: Value): CedarSet => {
  if (!(v instanceof CedarSet)) throw FAILURE;
  return v;
};
/** A long result, or NOT_NATIVE when a double may not hold it exactly (Cedar computes in 64 bits). */
const exact = (n: number): number => {
  if (!Number.isSafeInteger(n)) throw NOT_NATIVE;
  return n;
};

/** `a in b` for entities: equal, or `b` is an ancestor of `a`. */
export function within(env: Env, a: EntityRef, b: EntityRef): boolean {
  return a.key === b.key || env.entities.get(a.key)?.parents.has(b.key) === true;
}

/** Cedar's `in`: the right operand is an entity or a set of entities (all checked), else an error. */
function inOperator(env: Env, left: Value, right: Value): boolean {
  const a = entity(left);
  if (right instanceof EntityRef) return within(env, a, right);
  const targets = set(right).items.map(entity);
  return targets.some((b) => within(env, a, b));
}

/** The value of attribute `attr` of an entity or record; a missing one is an error. */
function attribute(env: Env, target: Value, attr: string): Value {
  const fields = target instanceof EntityRef ? env.entities.get(target.key)?.attrs : target instanceof CedarRecord ? target.fields : undefined;
  if (fields === undefined) throw FAILURE; // not an entity or record, or an entity the request does not carry
  const value = fields.get(attr);
  if (value === undefined) throw FAILURE;
  return value;
}

function hasAttribute(env: Env, target: Value, attr: string): boolean {
  if (target instanceof EntityRef) return env.entities.get(target.key)?.attrs.has(attr) === true;
  if (target instanceof CedarRecord) return target.fields.has(attr);
  throw FAILURE;
}

/**
 * A matcher for a `like` pattern: `*` matches any run of characters. Literal runs between wildcards
 * are matched leftmost-first, which decides a `*`-only pattern exactly. Strings and literals are
 * well-formed (native-values.ts) and literals whole characters, so UTF-16 matching agrees with
 * Cedar's per-character matching.
 */
export function likeMatcher(pattern: readonly PatternElem[]): ((s: string) => boolean) | undefined {
  const runs: string[] = [''];
  for (const elem of pattern) {
    if (elem === 'Wildcard') runs.push('');
    else if (typeof elem === 'object' && elem !== null && typeof elem.Literal === 'string' && [...elem.Literal].length === 1 && !/\p{Cs}/u.test(elem.Literal)) {
      runs[runs.length - 1] += elem.Literal;
    } else return undefined;
  }
  const first = runs[0] as string;
  if (runs.length === 1) return (s) => s === first;
  const last = runs[runs.length - 1] as string;
  const middle = runs.slice(1, -1).filter((r) => r.length > 0);
  return (s) => {
    if (s.length < first.length + last.length || !s.startsWith(first) || !s.endsWith(last)) return false;
    const end = s.length - last.length;
    let at = first.length;
    for (const run of middle) {
      const found = s.indexOf(run, at);
      if (found < 0 || found + run.length > end) return false;
      at = found + run.length;
    }
    return true;
  };
}

const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b, '<=': (a, b) => a <= b, '>': (a, b) => a > b, '>=': (a, b) => a >= b,
};
const ARITHMETIC: Record<string, (a: number, b: number) => number> = {
  '+': (a, b) => a + b, '-': (a, b) => a - b, '*': (a, b) => a * b,
};

/** Binary operators that evaluate both operands, left first. */
function binary(op: string, left: Compiled, right: Compiled): Compiled | undefined {
  const compare = COMPARE[op];
  if (compare !== undefined) return (env) => compare(long(left(env)), long(right(env)));
  const arithmetic = ARITHMETIC[op];
  if (arithmetic !== undefined) return (env) => exact(arithmetic(long(left(env)), long(right(env))));
  switch (op) {
    case '==': return (env) => equal(left(env), right(env));
    case '!=': return (env) => !equal(left(env), right(env));
    case 'in': return (env) => inOperator(env, left(env), right(env));
    case 'contains': return (env) => { const s = set(left(env)); return member(s, right(env)); };
    case 'containsAll': return (env) => { const s = set(left(env)); return subset(set(right(env)), s); };
    case 'containsAny': return (env) => {
      const s = set(left(env));
      return set(right(env)).items.some((item) => member(s, item));
    };
    case '&&': return (env) => bool(left(env)) && bool(right(env));
    case '||': return (env) => bool(left(env)) || bool(right(env));
    default: return undefined;
  }
}

const BINARY = new Set(['==', '!=', 'in', '<', '<=', '>', '>=', '+', '-', '*', 'contains', 'containsAll', 'containsAny', '&&', '||']);

/** Deepest JSON nesting compiled: deeper expressions (and any limit Cedar may hit on them) are Cedar's. */
const MAX_DEPTH = 100;

function deeper(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (depth === 0) return true;
  return Object.values(value).some((child) => deeper(child, depth - 1));
}

/** Compile `expr`, or undefined when it leaves the native subset. */
export function compileExpr(expr: Expr): Compiled | undefined {
  if (deeper(expr, MAX_DEPTH)) return undefined;
  try {
    return compile(expr);
  } catch (err) {
    if (err instanceof NotNative) return undefined; // a literal outside the native domain
    throw err;
  }
}

function compile(expr: Expr): Compiled | undefined {
  if (expr === null || typeof expr !== 'object' || Array.isArray(expr)) return undefined;
  const keys = Object.keys(expr);
  const op = keys[0];
  if (keys.length !== 1 || op === undefined) return undefined;
  const body = (expr as Node)[op] as Node;
  if (op === 'Value') {
    const value = jsonValue(body, true);
    return () => value;
  }
  if (op === 'Var') return variable(body as unknown as string);
  if (BINARY.has(op)) {
    const { left, right } = body as unknown as Pair;
    const l = compile(left);
    const r = compile(right);
    return l === undefined || r === undefined ? undefined : binary(op, l, r);
  }
  return unary(op, body);
}

function variable(name: string): Compiled | undefined {
  switch (name) {
    case 'principal': return (env) => env.principal;
    case 'resource': return (env) => env.resource;
    case 'context': return (env) => env.context;
    default: return undefined; // `action`: left to Cedar
  }
}

function unary(op: string, body: Node): Compiled | undefined {
  switch (op) {
    case '!': return map(body['arg'] as Expr, (v) => !bool(v));
    case 'neg': return map(body['arg'] as Expr, (v) => exact(-long(v)));
    case 'isEmpty': return map(body['arg'] as Expr, (v) => set(v).items.length === 0);
    case '.': return typeof body['attr'] === 'string' ? attr(body['left'] as Expr, body['attr'], attribute) : undefined;
    case 'has': return typeof body['attr'] === 'string' ? attr(body['left'] as Expr, body['attr'], hasAttribute) : undefined;
    case 'like': {
      const match = Array.isArray(body['pattern']) ? likeMatcher(body['pattern'] as PatternElem[]) : undefined;
      return match === undefined ? undefined : map(body['left'] as Expr, (v) => {
        if (typeof v !== 'string') throw FAILURE;
        return match(v);
      });
    }
    case 'is': return isOperator(body);
    case 'if-then-else': {
      const [c, t, e] = [compile(body['if'] as Expr), compile(body['then'] as Expr), compile(body['else'] as Expr)];
      return c === undefined || t === undefined || e === undefined ? undefined : (env) => (bool(c(env)) ? t(env) : e(env));
    }
    case 'Set': {
      if (!Array.isArray(body)) return undefined;
      const items = (body as Expr[]).map(compile);
      if (items.some((i) => i === undefined)) return undefined;
      return (env) => new CedarSet((items as Compiled[]).map((item) => item(env)));
    }
    case 'Record': return record(body);
    default: return undefined; // slots, tags, extension functions, unknowns
  }
}

function map(arg: Expr, f: (v: Value) => Value): Compiled | undefined {
  const a = compile(arg);
  return a === undefined ? undefined : (env) => f(a(env));
}

function attr(left: Expr, name: string, f: (env: Env, target: Value, attr: string) => Value): Compiled | undefined {
  const target = compile(left);
  return target === undefined ? undefined : (env) => f(env, target(env), name);
}

/** `e is T` and `e is T in x`, which is `e is T && e in x`. */
function isOperator(body: Node): Compiled | undefined {
  const left = compile(body['left'] as Expr);
  const type = body['entity_type'];
  const inside = body['in'] === undefined ? undefined : compile(body['in'] as Expr);
  if (left === undefined || typeof type !== 'string' || (body['in'] !== undefined && inside === undefined)) return undefined;
  return (env) => {
    const e = entity(left(env));
    if (e.type !== type) return false;
    return inside === undefined ? true : inOperator(env, e, inside(env));
  };
}

function record(body: Node): Compiled | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const fields: [string, Compiled][] = [];
  for (const [name, value] of Object.entries(body)) {
    const compiled = compile(value as Expr);
    if (compiled === undefined || /\p{Cs}/u.test(name)) return undefined;
    fields.push([name, compiled]);
  }
  return (env) => new CedarRecord(new Map(fields.map(([name, f]) => [name, f(env)])));
}
