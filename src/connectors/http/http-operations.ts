/**
 * The allow-listed operations of an `http` connector, built once from its configuration and (when
 * given) its OpenAPI document: definition, power, retry rule, response handling and the tool's input
 * schema. Pure; every problem is a CONFIG_INVALID naming the operation.
 */
import type { JsonSchemaObject, Power } from '../../domain/types.js';
import { GatehouseError } from '../../errors/catalog.js';
import type { HttpConnectorConfig, HttpMethod, HttpOperationConfig } from './http-config.js';
import { HEADER_NAME } from './http-config.js';
import { findOperation, type HttpParameter, type OpenApiDocument, type OperationDefinition } from './openapi.js';
import { pathVariables } from './request-builder.js';

/** The argument that carries the JSON request body. */
export const BODY_ARGUMENT = 'body';

/** Headers an operation parameter may never set: the gateway owns them. */
export const RESERVED_HEADERS = new Set([
  'authorization', 'proxy-authorization', 'cookie', 'host', 'content-length', 'content-type', 'transfer-encoding', 'connection',
  'keep-alive', 'te', 'trailer', 'upgrade', 'expect', 'proxy-connection', 'forwarded', 'x-forwarded-for', 'x-forwarded-host',
  'x-forwarded-proto', 'x-real-ip', 'accept-encoding',
]);

/** One operation the connector offers, ready to build requests for. */
export interface HttpOperation extends OperationDefinition {
  readonly power: Power;
  /** Whether failed attempts may be repeated. */
  readonly idempotent: boolean;
  readonly responseKind: 'json' | 'text';
  /** Allowed dotted response fields; undefined passes the whole response. */
  readonly responseFields: readonly string[] | undefined;
  readonly inputSchema: JsonSchemaObject;
}

function invalid(where: string, problem: string): GatehouseError {
  return new GatehouseError('CONFIG_INVALID', `${where}: ${problem}.`);
}

/** Build every allow-listed operation. `doc` is required when the config names an OpenAPI document. */
export function buildOperations(config: HttpConnectorConfig, doc: OpenApiDocument | undefined, extraReserved: readonly string[] = []): HttpOperation[] {
  const where = `connectors.${config.name}.operations`;
  const reserved = new Set([...RESERVED_HEADERS, ...extraReserved.map((h) => h.toLowerCase())]);
  return Object.entries(config.operations).map(([id, override]) => {
    const definition = doc === undefined ? inlineDefinition(id, override, `${where}.${id}`) : findOperation(doc, id, where);
    return operation(definition, override, `${where}.${id}`, reserved);
  });
}

function inlineDefinition(id: string, op: HttpOperationConfig, at: string): OperationDefinition {
  if (op.method === undefined || op.path === undefined) throw invalid(at, 'needs "method" and "path"');
  const variables = pathVariables(op.path, at);
  const params = op.params ?? {};
  const required = new Set(op.required ?? []);
  for (const name of required) {
    if (!Object.hasOwn(params, name)) throw invalid(at, `required parameter "${name}" is not declared under "params"`);
  }
  const parameters: HttpParameter[] = variables.map((name) => ({
    name, in: 'path', required: true, schema: params[name] ?? { type: 'string' }, description: undefined,
  }));
  for (const [name, schema] of Object.entries(params)) {
    if (variables.includes(name)) continue;
    parameters.push({ name, in: 'query', required: required.has(name), schema, description: undefined });
  }
  return {
    id, method: op.method, path: op.path, summary: op.summary, parameters,
    body: op.body === undefined ? undefined : { schema: op.body, required: true, description: undefined },
  };
}

function defaultPower(method: HttpMethod): Power {
  return method === 'GET' || method === 'HEAD' ? 'read' : 'write';
}

function operation(def: OperationDefinition, override: HttpOperationConfig, at: string, reserved: ReadonlySet<string>): HttpOperation {
  const safe = def.method === 'GET' || def.method === 'HEAD';
  const power = override.power ?? defaultPower(def.method);
  if (!safe && (power === 'read' || power === 'search')) {
    throw invalid(at, `a ${def.method} operation changes state; declare it "write", "draft" or "trigger", not "${power}"`);
  }
  if (override.idempotent === true && !safe && def.method !== 'PUT' && def.method !== 'DELETE') {
    throw invalid(at, `only PUT and DELETE operations can be declared idempotent, not ${def.method}`);
  }
  if (override.idempotent === false && safe) throw invalid(at, `${def.method} operations are always idempotent`);
  checkParameters(def, at, reserved);
  return {
    ...def,
    summary: override.summary ?? def.summary,
    power,
    idempotent: safe || override.idempotent === true,
    responseKind: override.response,
    responseFields: override.response_fields,
    inputSchema: inputSchema(def),
  };
}

function checkParameters(def: OperationDefinition, at: string, reserved: ReadonlySet<string>): void {
  const variables = pathVariables(def.path, at);
  const names = new Set<string>();
  for (const p of def.parameters) {
    if (names.has(p.name) || p.name === BODY_ARGUMENT) {
      throw invalid(at, `parameter name "${p.name}" is used twice (arguments are named by parameter; "${BODY_ARGUMENT}" is the request body)`);
    }
    names.add(p.name);
    if (p.in === 'path' && !variables.includes(p.name)) throw invalid(at, `path parameter "${p.name}" does not appear in the path "${def.path}"`);
    if (p.in === 'header' && (!HEADER_NAME.test(p.name) || reserved.has(p.name.toLowerCase()))) {
      throw invalid(at, `header parameter "${p.name}" may not be set by an agent`);
    }
  }
  for (const v of variables) {
    if (!def.parameters.some((p) => p.in === 'path' && p.name === v)) throw invalid(at, `path placeholder "{${v}}" has no path parameter`);
  }
}

/** The tool's input schema: one property per parameter, plus `body` for the JSON request body. */
export function inputSchema(def: OperationDefinition): JsonSchemaObject {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const p of def.parameters) {
    const where = p.in === 'path' ? 'path parameter' : p.in === 'query' ? 'query parameter' : 'header';
    const description = p.description ?? (typeof p.schema.description === 'string' ? p.schema.description : undefined);
    properties[p.name] = { ...p.schema, description: description === undefined ? `(${where})` : `${description} (${where})` };
    if (p.required) required.push(p.name);
  }
  if (def.body !== undefined) {
    properties[BODY_ARGUMENT] = def.body.description === undefined ? def.body.schema : { ...def.body.schema, description: def.body.description };
    if (def.body.required) required.push(BODY_ARGUMENT);
  }
  const schema: Record<string, unknown> = { type: 'object', properties, additionalProperties: false };
  if (required.length > 0) schema.required = required;
  return schema as JsonSchemaObject;
}
