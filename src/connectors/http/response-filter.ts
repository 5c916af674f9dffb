/**
 * What of an upstream response reaches the agent. Pure.
 *
 * `filterFields` keeps only allow-listed dotted fields (`id`, `requester.name`, `items.title`);
 * arrays are transparent, so a path continues into every element (`items[].title` is accepted and
 * means the same). `redactSecrets` replaces every occurrence of a credential value, in keys and in
 * values, so an upstream that echoes a credential back cannot hand it to the agent.
 */

/** What replaces a credential found in a response. */
export const REDACTED = '[REDACTED]';

/** A compiled allow-list: each key leads to its allowed sub-fields, or `true` for the whole value. */
export type FieldTree = ReadonlyMap<string, FieldTree | true>;

/** Compile dotted field paths (validated by the config schema) into a tree. */
export function compileFields(paths: readonly string[]): FieldTree {
  const root = new Map<string, Map<string, unknown> | true>();
  for (const path of paths) {
    const segments = path.split('.').map((s) => s.replace(/\[\]$/, ''));
    let node = root;
    segments.forEach((segment, i) => {
      const existing = node.get(segment);
      if (existing === true) return;
      if (i === segments.length - 1) {
        node.set(segment, true);
        return;
      }
      const next = existing ?? new Map<string, Map<string, unknown> | true>();
      node.set(segment, next);
      node = next as typeof root;
    });
  }
  return root as FieldTree;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Set an own property, even one named "__proto__" (JSON.parse makes those own properties, too). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * `value` reduced to the fields in `tree`; undefined when nothing allowed is there. Arrays keep
 * the elements that still hold something.
 */
export function filterFields(value: unknown, tree: FieldTree): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => filterFields(item, tree)).filter((item) => item !== undefined);
  }
  if (!isRecord(value)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, sub] of tree) {
    if (!Object.hasOwn(value, key)) continue;
    const kept = sub === true ? value[key] : filterFields(value[key], sub);
    if (kept !== undefined) setOwn(out, key, kept);
  }
  return out;
}

/** `text` with every occurrence of each secret replaced by REDACTED (longest secrets first). */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret !== '' && out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}

/** A copy of a JSON value with every occurrence of each secret (in strings and keys) redacted. */
export function redactSecrets(value: unknown, secrets: readonly string[]): unknown {
  if (secrets.length === 0) return value;
  if (typeof value === 'string') return redactText(value, secrets);
  // A numeric key echoed as a JSON number.
  if (typeof value === 'number' && secrets.some((s) => String(value).includes(s))) return REDACTED;
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, secrets));
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) setOwn(out, redactText(key, secrets), redactSecrets(item, secrets));
    return out;
  }
  return value;
}
