/**
 * What policies can observe of the end user (`context.user`), so that calls for users who look the
 * same to the policies can share one residual policy set (residual-slice.ts).
 *
 * When a slice's policies use `context.user` only to read its attributes (`.name`, `has name`) and
 * to test its membership in group literals (`in Group::"g"`, `in [...]`, `is User in ...`), two
 * users with the same values of those attributes and the same memberships among those groups get
 * the same decisions: their ids are never compared nor returned. That pair is the user's profile.
 * Any other use (comparing the user, passing it on, reading the whole context) gives no profile.
 */
import type { Expr, PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { AttributeValue, EndUser } from '../domain/types.js';
import { cedarTypeOf, type CedarAttributeType } from './cedar-schema.js';
import { cedarType } from './entities.js';

/** What a slice's policies read of `context.user`, when that is all they observe of it. */
export interface UserReads {
  /** Ids of the groups tested with `in`. */
  readonly groups: ReadonlySet<string>;
  /** Names of the attributes read. */
  readonly attributes: ReadonlySet<string>;
}

/** A user as the policies of a slice see it. */
export interface UserProfile {
  /** Tested groups the user is a member of, sorted. */
  readonly groups: readonly string[];
  /** Read attributes the user has (declared ones only, as the user entity carries them). */
  readonly attributes: Readonly<Record<string, AttributeValue>>;
}

type Node = Record<string, unknown>;
const isContextUser = (e: unknown) => {
  const dot = e !== null && typeof e === 'object' ? (e as Node)['.'] as { left?: Node; attr?: unknown } | undefined : undefined;
  return dot?.attr === 'user' && dot.left?.['Var'] === 'context';
};

/** The reads of `context.user` in `policies`, or undefined when they may observe more than a profile. */
export function userReads(policies: readonly PolicyJson[]): UserReads | undefined {
  const reads = { groups: new Set<string>(), attributes: new Set<string>() };
  try {
    for (const policy of policies) {
      for (const clause of policy.conditions) if (!visit(clause.body, reads)) return undefined;
    }
  } catch {
    return undefined; // not the EST shape this walk knows
  }
  return reads;
}

/** Group ids of a literal group, or of a set of literal groups; undefined for anything else. */
function groupLiterals(expr: unknown): string[] | undefined {
  const node = expr as Node;
  const values = 'Set' in node ? (node['Set'] as unknown[]).map((e) => (e as Node)['Value']) : 'Value' in node ? [node['Value']].flat() : [];
  if (values.length === 0) return undefined;
  const ids: string[] = [];
  for (const value of values) {
    const uid = (value as { __entity?: { type?: unknown; id?: unknown } } | null)?.__entity;
    if (uid?.type !== cedarType('Group') || typeof uid.id !== 'string') return undefined;
    ids.push(uid.id);
  }
  return ids;
}

/** Whether every use of `context.user` (and of `context`) in `expr` is a profile read; records them. */
function visit(expr: unknown, reads: { groups: Set<string>; attributes: Set<string> }): boolean {
  if (expr === null || typeof expr !== 'object') return true;
  if (Array.isArray(expr)) return expr.every((e) => visit(e, reads));
  const node = expr as Node;
  if ('Value' in node) return true;
  // A record literal's keys are names, not operators.
  if ('Record' in node) return Object.values(node['Record'] as Node).every((e) => visit(e, reads));
  if (node['Var'] === 'context') return false;
  if (isContextUser(node)) return false;
  const read = (node['.'] ?? node['has']) as { left: Node; attr: string | string[] } | undefined;
  if (read !== undefined) {
    const names = Array.isArray(read.attr) ? read.attr : [read.attr];
    if (read.left['Var'] === 'context') {
      // `context.k`, `context has k`, `context has user.a`: only the user is of interest.
      if (names[0] === 'user' && names[1] !== undefined) reads.attributes.add(names[1]);
      return true;
    }
    if (isContextUser(read.left)) {
      reads.attributes.add(names[0] as string);
      return true;
    }
    return visit(read.left, reads);
  }
  const membership = (node['in'] ?? node['is']) as { left: Node; right?: Expr; in?: Expr } | undefined;
  if (membership !== undefined && isContextUser(membership.left)) {
    const target = membership.right ?? membership.in;
    if (target === undefined) return true;
    const groups = groupLiterals(target);
    if (groups === undefined) return false;
    for (const g of groups) reads.groups.add(g);
    return true;
  }
  return Object.values(node).every((child) => visit(child, reads));
}

/**
 * The profile of `user` for `reads`; undefined when an attribute it reads has the wrong declared
 * type (the call then sends the user as it is, and fails as it would have).
 */
export function userProfile(user: EndUser, reads: UserReads, declared: ReadonlyMap<string, CedarAttributeType>): UserProfile | undefined {
  const attributes: Record<string, AttributeValue> = {};
  for (const name of reads.attributes) {
    const value = user.attributes[name];
    const type = declared.get(name);
    if (value === undefined || type === undefined) continue;
    if (cedarTypeOf(value) !== type) return undefined;
    attributes[name] = value;
  }
  const groups = [...new Set(user.groups.filter((g) => reads.groups.has(g)))].sort();
  return { groups, attributes };
}
