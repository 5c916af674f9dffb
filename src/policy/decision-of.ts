/** The Decision the authorizer returns, from the ids of the policies Cedar (or native evaluation) reports. */
import type { Decision } from '../domain/types.js';
import type { LoadedPolicy } from './policy-loader.js';

/** The ids of the original policies that `reported` (residual ids, see residual-slice.ts) stand for. */
export function idsOf(members: ReadonlyMap<string, readonly string[]> | undefined, reported: readonly string[]): string[] {
  return members === undefined ? [...reported] : reported.flatMap((id) => members.get(id) ?? [id]);
}

/** A frozen decision: the deciding policies (sorted ids), their annotations and the first forbid's reason. */
export function decisionOf(allowed: boolean, ids: readonly string[], byId: ReadonlyMap<string, LoadedPolicy>): Decision {
  const annotations: Record<string, Readonly<Record<string, string>>> = {};
  let reason: string | undefined;
  for (const id of ids) {
    const policy = byId.get(id);
    annotations[id] = policy?.annotations ?? {};
    if (!allowed && reason === undefined && policy?.effect === 'forbid') reason = policy.annotations['reason'];
  }
  return Object.freeze({ allowed, policyIds: Object.freeze(ids), reason, annotations: Object.freeze(annotations) });
}

/** Most distinct outcomes a memo keeps; further ones are built per call. */
const MEMO_SIZE = 64;

/**
 * Decisions of one evaluation by outcome (allowed, reported ids): a residual set has few outcomes,
 * and a decision is frozen, so each is built once.
 */
export function decisionMemo(members: ReadonlyMap<string, readonly string[]> | undefined, byId: ReadonlyMap<string, LoadedPolicy>): (allowed: boolean, reported: readonly string[]) => Decision {
  const memo = new Map<string, Decision>();
  return (allowed, reported) => {
    const key = JSON.stringify([allowed, reported]); // ids may hold any character
    let decision = memo.get(key);
    if (decision === undefined) {
      decision = decisionOf(allowed, idsOf(members, reported).sort(), byId);
      if (memo.size < MEMO_SIZE) memo.set(key, decision);
    }
    return decision;
  };
}
