/**
 * Compensating operations: how an HTTP write is undone. An operation may declare
 * `compensate: { operation, arguments }`; after it succeeds, the arguments of the compensating call
 * are worked out from the call's own arguments and JSON response and kept as the call's change
 * record, so `gatehouse rollback` can run exactly that call later without the response at hand.
 */
import type { ChangeRecord } from '../connector.js';
import type { HttpOperationConfig } from './http-config.js';

const PLACEHOLDER = /^\{\{(args|result)\.([A-Za-z0-9_$@-]+(?:\.[A-Za-z0-9_$@-]+)*)\}\}$/;

/** The change kind of an HTTP write with a compensating operation. */
export const HTTP_CHANGE = 'http';

function at(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/**
 * The change record of a successful call to `operation`: the compensating call to run, or, when a
 * placeholder has no value in this call, a note of what is missing (rollback then refuses with it).
 */
export function compensationRecord(operation: string, config: HttpOperationConfig, args: Readonly<Record<string, unknown>>, response: unknown): ChangeRecord | undefined {
  const compensate = config.compensate;
  if (compensate === undefined) return undefined;
  const resolved: Record<string, unknown> = {};
  const missing: string[] = [];
  for (const [name, value] of Object.entries(compensate.arguments)) {
    const match = typeof value === 'string' ? PLACEHOLDER.exec(value) : null;
    if (match === null) {
      resolved[name] = value;
      continue;
    }
    const found = at(match[1] === 'args' ? args : response, match[2]!);
    if (found === undefined || (found !== null && typeof found === 'object')) missing.push(`${match[1]}.${match[2]}`);
    else resolved[name] = found;
  }
  const after = missing.length === 0
    ? { operation: compensate.operation, arguments: resolved }
    : { operation: compensate.operation, arguments: resolved, missing };
  return { kind: HTTP_CHANGE, target: operation, key: compensate.operation, before: null, after };
}
