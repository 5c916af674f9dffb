/**
 * `--set path=value` edits of a held request's arguments, applied to a copy. The path is dotted
 * (`values.category`, `items.0.qty`); the value is read as JSON when it parses (`5`, `true`,
 * `["a"]`, `"5"`) and as a plain string otherwise (`billing`).
 */
import { GatehouseError } from '../errors/catalog.js';

const UNSAFE = new Set(['__proto__', 'prototype', 'constructor']);

type Container = Record<string, unknown> | unknown[];

function isContainer(value: unknown): value is Container {
  return value !== null && typeof value === 'object';
}

function step(node: Container, key: string, where: string): { get(): unknown; set(value: unknown): void } {
  if (Array.isArray(node)) {
    if (!/^(0|[1-9]\d{0,5})$/.test(key)) throw new GatehouseError('USAGE', `"${where}" is a list: use an index such as ${where}.0.`);
    const index = Number(key);
    return { get: () => node[index], set: (value) => { node[index] = value; } };
  }
  return { get: () => (Object.hasOwn(node, key) ? node[key] : undefined), set: (value) => { node[key] = value; } };
}

/** `base` with every assignment applied, in order. */
export function applyAssignments(base: Readonly<Record<string, unknown>>, assignments: readonly string[]): Record<string, unknown> {
  const out = structuredClone(base) as Record<string, unknown>;
  for (const assignment of assignments) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) throw new GatehouseError('USAGE', `--set takes path=value, e.g. --set values.category=billing (got "${assignment.slice(0, 40)}").`);
    const path = assignment.slice(0, eq).split('.');
    if (path.some((seg) => seg === '' || UNSAFE.has(seg))) {
      throw new GatehouseError('USAGE', `"${assignment.slice(0, eq).slice(0, 80)}" is not a usable path: names separated by dots.`);
    }
    const raw = assignment.slice(eq + 1);
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    let node: Container = out;
    for (let i = 0; i < path.length - 1; i++) {
      const where = path.slice(0, i + 1).join('.');
      const slot = step(node, path[i]!, path.slice(0, i).join('.') || '(arguments)');
      let next = slot.get();
      if (next === undefined) {
        next = {};
        slot.set(next);
      }
      if (!isContainer(next)) throw new GatehouseError('USAGE', `"${where}" is not an object or list, so "${path.join('.')}" cannot be set.`);
      node = next;
    }
    step(node, path.at(-1)!, path.slice(0, -1).join('.') || '(arguments)').set(value);
  }
  return out;
}
