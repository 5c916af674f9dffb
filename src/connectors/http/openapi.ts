/**
 * Reads the operations of an OpenAPI 3.0/3.1 document: method, path, parameters and JSON request
 * body, with local `$ref`s inlined and OpenAPI 3.0 `nullable` turned into JSON Schema. Pure: the
 * caller reads the file. Anything the connector cannot call safely (external refs, recursive
 * schemas, cookie or `content` parameters, non-JSON bodies) is refused with CONFIG_INVALID.
 */
import { parse as parseYaml } from 'yaml';
import { GatehouseError } from '../../errors/catalog.js';
import { HTTP_METHODS, type HttpMethod } from './http-config.js';

/** Where a parameter goes in the request. */
export type ParameterLocation = 'path' | 'query' | 'header';

/** One request parameter: becomes an argument of the tool under its name. */
export interface HttpParameter {
  readonly name: string;
  readonly in: ParameterLocation;
  readonly required: boolean;
  readonly schema: Readonly<Record<string, unknown>>;
  readonly description: string | undefined;
}

/** An operation as the API defines it, before the connector's overrides. */
export interface OperationDefinition {
  readonly id: string;
  readonly method: HttpMethod;
  /** Path template below base_url, e.g. `/tickets/{id}`. */
  readonly path: string;
  readonly summary: string | undefined;
  readonly parameters: readonly HttpParameter[];
  /** JSON request body, passed as the `body` argument. */
  readonly body: { readonly schema: Readonly<Record<string, unknown>>; readonly required: boolean; readonly description: string | undefined } | undefined;
}

/** A parsed OpenAPI document. */
export interface OpenApiDocument {
  readonly version: string;
  readonly root: Readonly<Record<string, unknown>>;
}

/** Most schema nodes one operation may expand to once `$ref`s are inlined. */
export const MAX_SCHEMA_NODES = 20_000;
const MAX_DEPTH = 64;

type Json = Record<string, unknown>;

function invalid(where: string, problem: string): GatehouseError {
  return new GatehouseError('CONFIG_INVALID', `${where}: ${problem}.`);
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Parse an OpenAPI 3.0/3.1 document from YAML or JSON text. `where` names the file in errors. */
export function parseOpenApi(text: string, where: string): OpenApiDocument {
  let root: unknown;
  try {
    root = parseYaml(text, { maxAliasCount: 100 });
  } catch {
    throw invalid(where, 'not valid YAML or JSON');
  }
  if (!isObject(root) || typeof root.openapi !== 'string' || !/^3\.[01]\./.test(root.openapi)) {
    throw invalid(where, 'not an OpenAPI 3.0 or 3.1 document (the "openapi" field must be 3.0.x or 3.1.x)');
  }
  if (!isObject(root.paths)) throw invalid(where, 'the document has no "paths"');
  return { version: root.openapi, root };
}

/** Every operationId in the document, for error messages and tooling. */
export function listOperationIds(doc: OpenApiDocument): string[] {
  const ids: string[] = [];
  for (const item of Object.values(doc.root.paths as Json)) {
    if (!isObject(item)) continue;
    for (const method of HTTP_METHODS) {
      const op = item[method.toLowerCase()];
      if (isObject(op) && typeof op.operationId === 'string') ids.push(op.operationId);
    }
  }
  return ids;
}

/** The operation with `operationId` = `id`. Throws CONFIG_INVALID when it is absent, ambiguous or unusable. */
export function findOperation(doc: OpenApiDocument, id: string, where: string): OperationDefinition {
  const found: { path: string; method: HttpMethod; item: Json; op: Json }[] = [];
  for (const [path, rawItem] of Object.entries(doc.root.paths as Json)) {
    const item = isObject(rawItem) && typeof rawItem.$ref === 'string' ? resolvePointer(doc, rawItem.$ref, where) : rawItem;
    if (!isObject(item)) continue;
    for (const [key, op] of Object.entries(item)) {
      if (!isObject(op) || op.operationId !== id) continue;
      const method = key.toUpperCase();
      if (!(HTTP_METHODS as readonly string[]).includes(method)) throw invalid(`${where}.${id}`, `method ${method} is not supported`);
      found.push({ path, method: method as HttpMethod, item, op });
    }
  }
  const [match] = found;
  if (match === undefined) throw invalid(`${where}.${id}`, 'no operation with this operationId in the OpenAPI document');
  if (found.length > 1) throw invalid(`${where}.${id}`, 'the operationId is used more than once in the OpenAPI document');
  const at = `${where}.${id}`;
  const summary = typeof match.op.summary === 'string' ? match.op.summary
    : typeof match.op.description === 'string' ? match.op.description : undefined;
  return {
    id, method: match.method, path: match.path, summary,
    parameters: operationParameters(doc, match.item, match.op, at),
    body: requestBody(doc, match.op.requestBody, at),
  };
}

function operationParameters(doc: OpenApiDocument, item: Json, op: Json, at: string): HttpParameter[] {
  const byKey = new Map<string, HttpParameter>();
  for (const list of [item.parameters, op.parameters]) {
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw invalid(at, '"parameters" must be a list');
    for (const raw of list) {
      const param = parameter(doc, raw, at);
      if (param !== undefined) byKey.set(`${param.in}:${param.name}`, param);
    }
  }
  return [...byKey.values()];
}

function parameter(doc: OpenApiDocument, raw: unknown, at: string): HttpParameter | undefined {
  const p = isObject(raw) && typeof raw.$ref === 'string' ? resolvePointer(doc, raw.$ref, at) : raw;
  if (!isObject(p) || typeof p.name !== 'string' || typeof p.in !== 'string') throw invalid(at, 'a parameter lacks "name" or "in"');
  const required = p.in === 'path' ? true : p.required === true;
  if (p.in === 'cookie') {
    if (required) throw invalid(at, `required cookie parameter "${p.name}" is not supported`);
    return undefined;
  }
  if (p.in !== 'path' && p.in !== 'query' && p.in !== 'header') throw invalid(at, `parameter "${p.name}" has an unknown location "${String(p.in)}"`);
  if (p.content !== undefined) throw invalid(at, `parameter "${p.name}" uses "content"; only "schema" parameters are supported`);
  const schema = p.schema === undefined ? { type: 'string' } : toJsonSchema(doc, p.schema, `${at}.${p.name}`);
  if (!isObject(schema)) throw invalid(at, `parameter "${p.name}" has no usable schema`);
  return { name: p.name, in: p.in, required, schema, description: typeof p.description === 'string' ? p.description : undefined };
}

const JSON_MEDIA = /^application\/([a-z0-9.+-]+\+)?json$/i;

function requestBody(doc: OpenApiDocument, raw: unknown, at: string): OperationDefinition['body'] {
  if (raw === undefined) return undefined;
  const body = isObject(raw) && typeof raw.$ref === 'string' ? resolvePointer(doc, raw.$ref, at) : raw;
  if (!isObject(body) || !isObject(body.content)) throw invalid(at, 'the request body has no "content"');
  const required = body.required === true;
  const media = Object.entries(body.content).find(([type]) => JSON_MEDIA.test(type.split(';')[0]?.trim() ?? ''));
  if (media === undefined) {
    if (required) throw invalid(at, 'the request body is not JSON; only JSON request bodies are supported');
    return undefined;
  }
  const [, content] = media;
  const schema = isObject(content) && content.schema !== undefined ? toJsonSchema(doc, content.schema, `${at}.body`) : {};
  if (!isObject(schema)) throw invalid(at, 'the request body schema is not an object');
  return { schema, required, description: typeof body.description === 'string' ? body.description : undefined };
}

/** Follow a local JSON pointer (`#/components/...`). External references are refused. */
function resolvePointer(doc: OpenApiDocument, ref: string, at: string): unknown {
  if (!ref.startsWith('#/')) throw invalid(at, `reference "${ref}" is not local to the document; only "#/..." references are supported`);
  let node: unknown = doc.root;
  for (const raw of ref.slice(2).split('/')) {
    let key: string;
    try {
      key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    } catch {
      throw invalid(at, `reference "${ref}" is malformed`);
    }
    if (!isObject(node) || !Object.hasOwn(node, key)) throw invalid(at, `reference "${ref}" points nowhere`);
    node = node[key];
  }
  return node;
}

/** Keywords whose value is a map of name to schema. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'dependentSchemas', '$defs', 'definitions']);
/** Keywords whose value is a schema. */
const SCHEMA_VALUES = new Set(['additionalProperties', 'not', 'if', 'then', 'else', 'propertyNames', 'contains', 'unevaluatedProperties', 'unevaluatedItems', 'items']);
/** Keywords whose value is a list of schemas. */
const SCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
/**
 * OpenAPI-only or identity keywords dropped from the advertised schema: identities would clash when
 * one component is inlined in several tools, and the rest is not JSON Schema.
 */
const DROPPED = new Set(['$id', '$schema', '$anchor', '$dynamicAnchor', '$comment', 'nullable', 'discriminator', 'xml', 'externalDocs', 'example']);

/**
 * A schema of the document as self-contained JSON Schema: local `$ref`s inlined (recursion refused),
 * `nullable: true` turned into a `null` type, OpenAPI-only keywords dropped.
 */
export function toJsonSchema(doc: OpenApiDocument, schema: unknown, at: string): unknown {
  const budget = { nodes: 0 };
  return convert(doc, schema, at, [], budget);
}

function convert(doc: OpenApiDocument, node: unknown, at: string, refs: readonly string[], budget: { nodes: number }): unknown {
  if (!isObject(node)) return node;
  budget.nodes += 1;
  if (budget.nodes > MAX_SCHEMA_NODES || refs.length > MAX_DEPTH) throw invalid(at, 'the schema is too large once its references are expanded');
  if (typeof node.$ref !== 'string') return keywords(doc, node, at, refs, budget);
  const ref = node.$ref;
  if (refs.includes(ref)) throw invalid(at, `schema "${ref}" refers to itself; recursive schemas are not supported`);
  const target = resolvePointer(doc, ref, at);
  if (!isObject(target)) throw invalid(at, `reference "${ref}" is not a schema`);
  const { $ref: _ref, ...siblings } = node;
  // OpenAPI 3.1 allows keywords beside $ref; they narrow the referenced schema.
  const merged = { ...(convert(doc, target, at, [...refs, ref], budget) as Json), ...keywords(doc, siblings, at, refs, budget) };
  return merged;
}

function keywords(doc: OpenApiDocument, source: Json, at: string, refs: readonly string[], budget: { nodes: number }): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(source)) {
    if (DROPPED.has(key)) continue;
    if (SCHEMA_MAPS.has(key) && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(doc, v, at, refs, budget)]));
    } else if (SCHEMA_LISTS.has(key) && Array.isArray(value)) {
      out[key] = value.map((v) => convert(doc, v, at, refs, budget));
    } else if (SCHEMA_VALUES.has(key)) {
      out[key] = Array.isArray(value) ? value.map((v) => convert(doc, v, at, refs, budget)) : convert(doc, value, at, refs, budget);
    } else {
      out[key] = value;
    }
  }
  if (source.nullable === true) addNull(out);
  return out;
}

function addNull(schema: Json): void {
  if (typeof schema.type === 'string') schema.type = [schema.type, 'null'];
  else if (Array.isArray(schema.type) && !schema.type.includes('null')) schema.type = [...schema.type, 'null'];
  if (Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum = [...schema.enum, null];
}
