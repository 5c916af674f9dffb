/**
 * Builds the upstream request of one call from validated arguments. Pure.
 *
 * The URL is `base_url` + the operation's path template, each placeholder replaced by its argument
 * percent-encoded as one path segment (only RFC 3986 unreserved characters stay literal). Values
 * that would change the path's shape no matter how they are encoded (`.`, `..`, `/`, `\`, control
 * characters) are refused. The result is parsed again and must be the URL intended: same origin,
 * same path, below the base path; anything else is refused. Query values are form-encoded; header
 * values must be visible ASCII (no CR, LF or NUL), so no argument can add a header or a request.
 */
import { GatehouseError } from '../../errors/catalog.js';
import type { HttpMethod } from './http-config.js';
import type { HttpParameter } from './openapi.js';

/** The parts of an operation the builder needs. */
export interface RequestShape {
  readonly method: HttpMethod;
  readonly path: string;
  readonly parameters: readonly HttpParameter[];
  readonly body: { readonly required: boolean } | undefined;
}

/** A request ready to send (credentials are added by the connector). */
export interface BuiltRequest {
  readonly method: HttpMethod;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  /** JSON text of the body, if any. */
  readonly body: string | undefined;
}

/** Longest value accepted for one header argument. */
export const MAX_HEADER_VALUE = 8192;

/** Characters a path template may hold literally (RFC 3986 pchar, "/" and placeholders). */
const TEMPLATE = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2}|\{[A-Za-z_][A-Za-z0-9_.-]*\})*$/;
/** Visible ASCII, space and tab: a header value that cannot end the header or the request. */
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

function invalid(problem: string, details: Readonly<Record<string, string>> = {}): GatehouseError {
  return new GatehouseError('ARGUMENTS_INVALID', problem, details);
}

/**
 * Names of the `{placeholders}` in a path template, in order. Throws CONFIG_INVALID for a template
 * that is not a plain absolute path (query, fragment, dot segments, characters that need encoding).
 */
export function pathVariables(template: string, at: string): string[] {
  const bad = (problem: string) => new GatehouseError('CONFIG_INVALID', `${at}: path "${template}" ${problem}.`);
  if (!template.startsWith('/')) throw bad('must start with "/"');
  if (!TEMPLATE.test(template)) throw bad('holds characters that are not allowed in a path, or a malformed {placeholder}');
  const segments = template.split('/');
  if (segments.some((s) => s === '.' || s === '..' || /^(\.|%2e){1,2}$/i.test(s))) throw bad('holds a dot segment');
  const names = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
  if (new Set(names).size !== names.length) throw bad('uses a placeholder twice');
  return names;
}

/** Percent-encode everything but RFC 3986 unreserved characters. */
export function encodeSegment(value: string): string {
  let encoded: string;
  try {
    encoded = encodeURIComponent(value);
  } catch {
    throw invalid('A path argument is not valid Unicode text.');
  }
  return encoded.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function scalarText(value: unknown, name: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  throw invalid(`Argument "${name}" must be a string, number or boolean.`, { argument: name });
}

/** One path segment's text for an argument, refused when no encoding could keep it one segment. */
export function pathSegmentValue(value: unknown, name: string): string {
  const text = scalarText(value, name);
  if (text === '') throw invalid(`Path argument "${name}" must not be empty.`, { argument: name });
  if (text === '.' || text === '..') throw invalid(`Path argument "${name}" must not be "." or "..".`, { argument: name });
  if (text.includes('/') || text.includes('\\') || CONTROL.test(text)) {
    throw invalid(`Path argument "${name}" must not contain "/", "\\" or control characters.`, { argument: name });
  }
  return encodeSegment(text);
}

/** A header argument's value, refused unless it is visible ASCII of bounded length. */
export function headerValue(value: unknown, name: string): string {
  const text = scalarText(value, name);
  if (!HEADER_VALUE.test(text) || text.length > MAX_HEADER_VALUE) {
    throw invalid(`Header argument "${name}" must be printable ASCII without line breaks, at most ${MAX_HEADER_VALUE} characters.`, { argument: name });
  }
  return text;
}

/** The base URL's path without a trailing slash ("" for the root). */
export function basePath(base: URL): string {
  return base.pathname.replace(/\/+$/, '');
}

/** Whether `url` is on the base URL's origin and at or below its path. */
export function isWithinBase(url: URL, base: URL): boolean {
  if (url.origin !== base.origin || url.username !== '' || url.password !== '') return false;
  const prefix = basePath(base);
  return prefix === '' || url.pathname === prefix || url.pathname.startsWith(`${prefix}/`);
}

/** Build the request for `shape` with `args` (already validated against the input schema). */
export function buildRequest(base: URL, shape: RequestShape, args: Readonly<Record<string, unknown>>): BuiltRequest {
  let path = shape.path;
  const headers: Record<string, string> = {};
  const query: [string, string][] = [];
  for (const p of shape.parameters) {
    const value = args[p.name];
    if (value === undefined || value === null) {
      if (p.required) throw invalid(`Argument "${p.name}" is required.`, { argument: p.name });
      continue;
    }
    if (p.in === 'path') path = path.replace(`{${p.name}}`, () => pathSegmentValue(value, p.name));
    else if (p.in === 'header') headers[p.name.toLowerCase()] = headerValue(value, p.name);
    else if (Array.isArray(value)) for (const item of value) query.push([p.name, scalarText(item, p.name)]);
    else query.push([p.name, scalarText(value, p.name)]);
  }
  const expectedPath = `${basePath(base)}${path}`;
  const url = new URL(`${base.origin}${expectedPath}`);
  for (const [name, value] of query) url.searchParams.append(name, value);
  // The parser must not have reinterpreted anything: same origin, same path, below the base.
  if (url.pathname !== expectedPath || !isWithinBase(url, base)) {
    throw new GatehouseError('EGRESS_DENIED', 'The request would leave the connector base URL.');
  }
  let body: string | undefined;
  if (shape.body !== undefined && args.body !== undefined) {
    body = JSON.stringify(args.body);
    headers['content-type'] = 'application/json';
  } else if (shape.body?.required === true) {
    throw invalid('Argument "body" is required.', { argument: 'body' });
  }
  return { method: shape.method, url, headers, body };
}
