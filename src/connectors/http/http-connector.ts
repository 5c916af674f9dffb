/**
 * The `http` connector: the allow-listed operations of an HTTP API (from an OpenAPI 3 document or
 * inline definitions), each one tool with a declared power. Arguments are checked against the
 * operation's schema and turned into a request whose URL cannot leave `base_url`; the gateway
 * injects the credentials; the answer is reduced to the allowed response fields and scrubbed of
 * every credential value before the agent sees it.
 *
 * Egress: only `base_url` (and the OAuth2 token URL, for tokens). Private, loopback, link-local and
 * similar addresses need `allow_private_network`; metadata endpoints are always refused. The check
 * runs on the address the socket connects to (egress.ts), and again on every redirect hop.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { durationMs } from '../../config/schema-parts.js';
import type { OperationSpec, Provenance, ResourceRef } from '../../domain/types.js';
import { GatehouseError } from '../../errors/catalog.js';
import type { Logger } from '../../ops/logger.js';
import type { SecretResolver } from '../../secrets/secret-resolver.js';
import { CallHealth } from '../call-health.js';
import type { Connector, ConnectorContext, ConnectorHealth, OperationResult } from '../connector.js';
import { type Credentials, type TokenResponse, createCredentials } from './credentials.js';
import { type AddressPolicy, type HostLookup, checkHost, createAddressPolicy } from './egress.js';
import { type ResponseData, interpretResponse, performCall } from './http-call.js';
import type { HttpConnectorConfig } from './http-config.js';
import { type HttpOperation, buildOperations } from './http-operations.js';
import { HttpTransport } from './http-transport.js';
import { parseOpenApi } from './openapi.js';
import { buildRequest, type BuiltRequest } from './request-builder.js';
import { compileFields, type FieldTree, filterFields, redactSecrets, redactText } from './response-filter.js';
import { compensationRecord, HTTP_CHANGE } from './compensation.js';

/** For people only (`gatehouse rollback`): runs an operation's declared compensating call. */
const REVERT_SPEC: OperationSpec = {
  name: 'revert', power: 'write', hidden: true,
  summary: 'Undo one recorded call with its declared compensating operation.',
  inputSchema: {
    type: 'object' as const,
    properties: {
      target: { type: 'string' }, key: { type: 'string' }, kind: { type: 'string', enum: [HTTP_CHANGE] },
      before: { type: 'null' }, after: { type: 'object' },
    },
    required: ['target', 'key', 'kind', 'before', 'after'],
    additionalProperties: false,
  },
};

/** What the connector needs from the gateway. */
export interface HttpConnectorDeps {
  readonly log: Logger;
  /** Resolves credential references for every request, so rotation takes effect. */
  readonly secrets: SecretResolver;
  /** Name resolution (tests map names to chosen addresses); the system resolver by default. */
  readonly lookup?: HostLookup;
  /** Environment for `${env:NAME}` references (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Clock in ms, for token expiry (default Date.now). */
  readonly now?: () => number;
  /** First retry backoff step in ms (default 200). */
  readonly retryBaseMs?: number;
}

/** Create an http connector. Reads the OpenAPI document and checks every option now. */
export function createHttpConnector(config: HttpConnectorConfig, deps: HttpConnectorDeps): Connector {
  return new HttpConnector(config, deps);
}

interface CompiledOperation {
  readonly op: HttpOperation;
  readonly spec: OperationSpec;
  readonly validate: ValidateFunction;
  readonly fields: FieldTree | undefined;
}

function configError(err: unknown, where: string): GatehouseError {
  if (err instanceof GatehouseError && err.code === 'EGRESS_DENIED') {
    return new GatehouseError('CONFIG_INVALID', `${where}: ${err.message}`, {}, { cause: err });
  }
  return err instanceof GatehouseError ? err : new GatehouseError('CONFIG_INVALID', `${where} is not usable.`, {}, { cause: err });
}

function loadDocument(config: HttpConnectorConfig) {
  if (config.openapi === undefined) return undefined;
  const where = `connectors.${config.name}.openapi`;
  if (!isAbsolute(config.openapi)) throw new GatehouseError('CONFIG_INVALID', `${where} must be absolute once loaded.`);
  let text: string;
  try {
    text = readFileSync(config.openapi, 'utf8');
  } catch {
    throw new GatehouseError('CONFIG_INVALID', `${where}: cannot read the OpenAPI document.`);
  }
  return parseOpenApi(text, where);
}

class HttpConnector implements Connector {
  readonly name: string;
  readonly type = 'http' as const;
  readonly config: HttpConnectorConfig;
  readonly #deps: HttpConnectorDeps;
  readonly #base: URL;
  readonly #policy: AddressPolicy;
  readonly #transport: HttpTransport;
  readonly #credentials: Credentials;
  readonly #operations = new Map<string, CompiledOperation>();
  readonly #specs: readonly OperationSpec[];

  /** Outcomes and latency of calls, for health(). */
  readonly #calls: CallHealth;

  constructor(config: HttpConnectorConfig, deps: HttpConnectorDeps) {
    this.#calls = new CallHealth();
    const where = `connectors.${config.name}`;
    this.name = config.name;
    this.config = config;
    this.#deps = deps;
    this.#base = new URL(config.base_url);
    this.#policy = createAddressPolicy(config.allow_private_network, where);
    try {
      checkHost(this.#base.hostname, this.#policy);
      if (config.auth.type === 'oauth2_client_credentials') checkHost(new URL(config.auth.token_url).hostname, this.#policy);
    } catch (err) {
      throw configError(err, where);
    }
    this.#credentials = createCredentials(config.auth, where, {
      secrets: deps.secrets, env: deps.env ?? process.env, now: deps.now ?? Date.now,
      requestToken: (url, headers, body) => this.#requestToken(url, headers, body),
    });
    const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: false, useDefaults: false, logger: false });
    const specs: OperationSpec[] = [];
    for (const op of buildOperations(config, loadDocument(config), this.#credentials.headerNames)) {
      let validate: ValidateFunction;
      try {
        validate = ajv.compile(op.inputSchema);
      } catch (err) {
        throw new GatehouseError('CONFIG_INVALID', `${where}.operations.${op.id}: the input schema does not compile.`, {}, { cause: err });
      }
      const spec: OperationSpec = {
        name: op.id, power: op.power, inputSchema: op.inputSchema,
        summary: op.summary ?? `${op.method} ${op.path} on ${this.#base.host}.`,
      };
      const fields = op.responseFields === undefined ? undefined : compileFields(op.responseFields);
      this.#operations.set(op.id, { op, spec, validate, fields });
      if (config.powers.includes(op.power)) specs.push(spec);
    }
    if (config.powers.includes('write') && Object.values(config.operations).some((o) => o.compensate !== undefined)) specs.push(REVERT_SPEC);
    this.#specs = Object.freeze(specs);
    // Last, once every option has been checked.
    this.#transport = new HttpTransport({
      policy: this.#policy, lookup: deps.lookup, timeoutMs: durationMs(config.timeout), maxBytes: config.max_response_bytes,
    });
  }

  operations(): readonly OperationSpec[] {
    return this.#specs;
  }

  /** Every operation targets the connector; the request is built now so malformed arguments fail before policy runs. */
  async target(operation: string, args: Readonly<Record<string, unknown>>): Promise<ResourceRef> {
    if (operation === REVERT_SPEC.name && this.#specs.includes(REVERT_SPEC)) this.#compensatingCall(args);
    else this.#prepare(operation, args);
    return { type: 'Connector', id: this.name, attributes: {}, parents: [] };
  }

  async execute(operation: string, args: Readonly<Record<string, unknown>>, ctx: ConnectorContext): Promise<OperationResult> {
    if (operation === REVERT_SPEC.name && this.#specs.includes(REVERT_SPEC)) {
      const call = this.#compensatingCall(args);
      const result = await this.execute(call.operation, call.arguments, ctx);
      return { ...result, summary: `reverted ${String(args.target)} with ${call.operation}: ${result.summary}`, changes: [] };
    }
    const { compiled, request } = this.#prepare(operation, args);
    try {
      return await this.#calls.track(async () => {
      const outcome = await performCall(compiled.op, request, {
        transport: this.#transport, credentials: this.#credentials, base: this.#base, signal: ctx.signal,
        retries: this.config.retries, retryBaseMs: this.#deps.retryBaseMs ?? 200,
      });
      const data = interpretResponse(compiled.op, outcome.response);
      let result: OperationResult;
      try {
        result = this.#result(compiled, data, outcome.response, outcome.redact);
      } catch (err) {
        // Filtering and scrubbing recurse; a pathologically nested answer is an invalid one.
        if (err instanceof RangeError) throw new GatehouseError('UPSTREAM_ERROR', 'The upstream answered with JSON nested too deeply.', { status: outcome.response.status });
        throw err;
      }
      const change = compensationRecord(compiled.op.id, this.config.operations[compiled.op.id]!, args, data.kind === 'json' ? data.value : undefined);
      return change === undefined ? result : { ...result, changes: [change] };
      });
    } catch (err) {
      this.#logFailure(operation, err);
      throw err;
    }
  }

  health(): ConnectorHealth {
    return {
      status: this.#calls.failing ? 'unavailable' : 'ok',
      ...this.#calls.snapshot(),
      facts: { operations: this.#specs.length, origin: this.#base.origin },
    };
  }

  async start(): Promise<void> {
    // Nothing to warm up: connections and tokens are made on the first call.
  }

  close(): Promise<void> {
    return this.#transport.close();
  }

  #prepare(operation: string, args: Readonly<Record<string, unknown>>): { compiled: CompiledOperation; request: BuiltRequest } {
    const compiled = this.#operations.get(operation);
    if (compiled === undefined || !this.#specs.includes(compiled.spec)) {
      throw new GatehouseError('TOOL_UNKNOWN', `Connector "${this.name}" offers no operation "${operation}".`, { connector: this.name });
    }
    if (!compiled.validate(args)) {
      const problems = (compiled.validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '(arguments)'} ${e.message ?? 'is invalid'}`);
      throw new GatehouseError('ARGUMENTS_INVALID', `Arguments do not match the operation schema: ${problems.join('; ')}.`, { operation });
    }
    return { compiled, request: buildRequest(this.#base, compiled.op, args) };
  }

  #result(compiled: CompiledOperation, data: ResponseData, response: { status: number; headers: Readonly<Record<string, unknown>>; body: Buffer }, redact: readonly string[]): OperationResult {
    const { op } = compiled;
    const provenance = this.#provenance(op, response, redact);
    const size = formatSize(response.body.length);
    const summary = `${op.method} ${response.status}, ${size}`;
    if (data.kind === 'text') {
      const text = redactText(data.value, redact);
      return { text, structured: { status: response.status, text }, summary, provenance: [provenance] };
    }
    const filtered = compiled.fields === undefined || data.value === null ? data.value : filterFields(data.value, compiled.fields) ?? null;
    const value = redactSecrets(filtered, redact);
    const text = value === null ? `HTTP ${response.status} (no content)` : JSON.stringify(value, null, 2);
    return { text, structured: { status: response.status, data: value }, summary, provenance: [provenance] };
  }

  #provenance(op: HttpOperation, response: { headers: Readonly<Record<string, unknown>>; body: Buffer }, redact: readonly string[]): Provenance {
    const now = new Date().toISOString();
    const etag = response.headers.etag;
    const version = typeof etag === 'string' && etag !== ''
      ? redactText(etag, redact).slice(0, 200)
      : `sha256:${createHash('sha256').update(response.body).digest('hex').slice(0, 32)}`;
    const lastModified = response.headers['last-modified'];
    const modified = typeof lastModified === 'string' ? Date.parse(lastModified) : NaN;
    return {
      source: `${this.name}:${op.id}`, version,
      modifiedAt: Number.isNaN(modified) ? now : new Date(modified).toISOString(), indexedAt: now, stale: false,
    };
  }

  /** The compensating call a revert asks for, if it is still the one configured for that operation. */
  #compensatingCall(args: Readonly<Record<string, unknown>>): { operation: string; arguments: Record<string, unknown> } {
    const target = String(args.target);
    const after = args.after as { operation?: unknown; arguments?: unknown; missing?: unknown };
    const configured = Object.hasOwn(this.config.operations, target) ? this.config.operations[target]!.compensate : undefined;
    if (configured === undefined || after.operation !== configured.operation) {
      throw new GatehouseError('ROLLBACK_REFUSED', `Operation "${target}" of connector "${this.name}" has no compensating operation "${String(after.operation)}" configured now.`);
    }
    if (Array.isArray(after.missing)) {
      throw new GatehouseError('ROLLBACK_REFUSED', `The call's response lacked ${after.missing.join(', ')}, so its compensating call cannot be built.`);
    }
    const call = { operation: configured.operation, arguments: (after.arguments ?? {}) as Record<string, unknown> };
    this.#prepare(call.operation, call.arguments);
    return call;
  }

  #logFailure(operation: string, err: unknown): void {
    const code = err instanceof GatehouseError ? err.code : 'INTERNAL_ERROR';
    const status = err instanceof GatehouseError && typeof err.details.status === 'number' ? err.details.status : undefined;
    this.#deps.log.warn('http connector call failed', { connector: this.name, operation, code, status });
  }

  /** Token requests go through the same guarded transport, without redirects. */
  async #requestToken(url: URL, headers: Readonly<Record<string, string>>, body: string): Promise<TokenResponse> {
    const response = await this.#transport.send({ method: 'POST', url, headers, body });
    let json: unknown;
    try {
      json = JSON.parse(response.body.toString('utf8'));
    } catch {
      json = undefined;
    }
    return { status: response.status, json };
  }
}

/** "512 B", "2.1 KB", "3.4 MB". */
function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
