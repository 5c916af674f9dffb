/**
 * The webhook payload template, substituted structurally: the template is a JSON value, and
 * arguments are placed into it as JSON values, never spliced into JSON text. So quotes, braces and
 * `{{` in an argument stay exactly as given, and the payload is always valid JSON.
 *
 * - A string that is exactly `{{args.NAME}}` becomes the argument's value with its type; an
 *   optional argument not given drops the key (or is null inside an array).
 * - `{{args.NAME}}` inside a longer string is replaced by the value as text ('' when not given).
 * - Substitution is one pass: a value containing `{{args.other}}` is not expanded again.
 * - Any other `{{` in the template is a configuration error (catches typos such as `{{summary}}`).
 */
import { GatehouseError } from '../../errors/catalog.js';

/** A JSON value, as the template is and the payload becomes. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const PLACEHOLDER = /\{\{\s*args\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
const WHOLE = /^\{\{\s*args\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/;

/** Every argument the template refers to; CONFIG_INVALID for unknown arguments or stray `{{`. */
export function checkTemplate(template: JsonValue, declared: ReadonlySet<string>, where: string): Set<string> {
  const used = new Set<string>();
  const visit = (node: JsonValue, path: string) => {
    if (typeof node === 'string') {
      for (const match of node.matchAll(PLACEHOLDER)) {
        const name = match[1] ?? '';
        if (!declared.has(name)) throw new GatehouseError('CONFIG_INVALID', `${where}${path}: "{{args.${name}}}" names no declared argument.`);
        used.add(name);
      }
      if (node.replace(PLACEHOLDER, '').includes('{{')) {
        throw new GatehouseError('CONFIG_INVALID', `${where}${path}: "{{" starts no placeholder of the form {{args.NAME}}.`);
      }
    } else if (Array.isArray(node)) {
      node.forEach((item, i) => visit(item, `${path}[${i}]`));
    } else if (node !== null && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) visit(value, `${path}.${key}`);
    }
  };
  visit(template, '');
  return used;
}

/** Build the payload from a checked template and validated arguments. Pure. */
export function renderTemplate(template: JsonValue, args: Readonly<Record<string, unknown>>): JsonValue {
  const value = (name: string): JsonValue | undefined => {
    if (!Object.hasOwn(args, name)) return undefined;
    const v = args[name];
    return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : null;
  };
  const render = (node: JsonValue): JsonValue | undefined => {
    if (typeof node === 'string') {
      const whole = WHOLE.exec(node);
      if (whole !== null) return value(whole[1] ?? '');
      return node.replace(PLACEHOLDER, (_all, name: string) => {
        const v = value(name);
        return v === undefined || v === null ? '' : String(v);
      });
    }
    if (Array.isArray(node)) return node.map((item) => render(item) ?? null);
    if (node !== null && typeof node === 'object') {
      // fromEntries defines own properties, so a "__proto__" key stays a plain key.
      return Object.fromEntries(Object.entries(node).flatMap(([key, child]) => {
        const rendered = render(child);
        return rendered === undefined ? [] : [[key, rendered]];
      }));
    }
    return node;
  };
  return render(template) ?? null;
}
