/**
 * The strings inside a JSON value (tool arguments, structured results), laid end to end in one
 * text, one per line, so that detectors scan a record once and see text split across fields
 * together (a wrapped sentence continues over the line break). Offsets let a finding in the
 * joined text be mapped back to the strings it covers, and rewritten strings be put back in a copy
 * of the value. Object keys are strings too and are scanned and rewritten like values (a key may
 * be an address or a token). Nesting deeper than MAX_DEPTH is refused (GUARD_FAILED) rather than
 * walked on the call stack.
 */
import { GatehouseError } from '../errors/catalog.js';

const MAX_DEPTH = 200;
export const LEAF_SEPARATOR = '\n';

export interface TextLeaves {
  readonly texts: readonly string[];
  /** Every string, joined by LEAF_SEPARATOR. */
  readonly joined: string;
  /** Offset of each string in `joined`. */
  readonly offsets: readonly number[];
  /** Length of the longest array in the value: the records a result holds. */
  readonly records: number;
}

function tooDeep(): GatehouseError {
  return new GatehouseError('GUARD_FAILED', `The content is nested more than ${MAX_DEPTH} levels deep and cannot be inspected.`);
}

export function collectLeaves(value: unknown): TextLeaves {
  const texts: string[] = [];
  let records = 0;
  const walk = (node: unknown, depth: number): void => {
    if (depth > MAX_DEPTH) throw tooDeep();
    if (typeof node === 'string') texts.push(node);
    else if (Array.isArray(node)) {
      records = Math.max(records, node.length);
      for (const item of node) walk(item, depth + 1);
    } else if (node !== null && typeof node === 'object') {
      for (const key of Object.keys(node)) {
        texts.push(key);
        walk((node as Record<string, unknown>)[key], depth + 1);
      }
    }
  };
  walk(value, 0);
  const offsets: number[] = [];
  let at = 0;
  for (const text of texts) {
    offsets.push(at);
    at += text.length + LEAF_SEPARATOR.length;
  }
  return { texts, joined: texts.join(LEAF_SEPARATOR), offsets, records };
}

/** Index of the leaf holding joined offset `position` (the last leaf starting at or before it). */
export function leafAt(leaves: TextLeaves, position: number): number {
  let lo = 0;
  let hi = leaves.offsets.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if ((leaves.offsets[mid] ?? 0) <= position) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** A copy of `value` whose strings (keys included) are replaced, in walk order, by `replacements[i]` when set. */
export function replaceLeaves<T>(value: T, replacements: ReadonlyMap<number, string>): T {
  if (replacements.size === 0) return value;
  let index = 0;
  const rebuild = (node: unknown): unknown => {
    if (typeof node === 'string') {
      const replacement = replacements.get(index);
      index++;
      return replacement ?? node;
    }
    if (Array.isArray(node)) return node.map(rebuild);
    if (node !== null && typeof node === 'object') {
      const copy: Record<string, unknown> = {};
      for (const key of Object.keys(node)) {
        const renamed = replacements.get(index) ?? key;
        index++;
        copy[renamed] = rebuild((node as Record<string, unknown>)[key]);
      }
      return copy;
    }
    return node;
  };
  return rebuild(value) as T;
}
