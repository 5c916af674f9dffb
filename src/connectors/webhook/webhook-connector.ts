/**
 * The `webhook` connector: one operation, `send` (power `trigger`), that POSTs a JSON payload built
 * from the configured template and the validated arguments to the one configured URL.
 *
 * - Signed: `X-Gatehouse-Signature: t=<unix>,v1=<hex HMAC-SHA-256(secret, "<t>.<body>")>`
 *   (webhook-signature.ts); the secret is resolved per call, so rotation needs no restart.
 * - `Idempotency-Key`: one random key per call, the same on every retry of it.
 * - Retries: at most `retries` more attempts after a timeout, a connection failure, 408, 429 or a
 *   5xx (not 501/505), with exponential backoff and jitter (Retry-After honoured up to the cap).
 *   Other 4xx are UPSTREAM_REJECTED at once; a redirect is refused (only the configured URL).
 * - Egress: the http connector's rules (http/egress.ts via its transport): public addresses, and
 *   private ones only with `allow_private_network`; the response body is read up to 64 KiB.
 */
import { randomUUID } from 'node:crypto';
import { Ajv, type ValidateFunction } from 'ajv';
import { durationMs } from '../../config/schema-parts.js';
import type { JsonSchemaObject, OperationSpec, ResourceRef } from '../../domain/types.js';
import { GatehouseError } from '../../errors/catalog.js';
import type { Logger } from '../../ops/logger.js';
import type { SecretResolver } from '../../secrets/secret-resolver.js';
import { CallHealth } from '../call-health.js';
import type { Connector, ConnectorContext, ConnectorHealth, OperationResult } from '../connector.js';
import { createAddressPolicy, type HostLookup } from '../http/egress.js';
import { HttpTransport, type UpstreamResponse } from '../http/http-transport.js';
import { configValue, type ConfigValue } from '../config-value.js';
import type { WebhookArgument, WebhookConnectorConfig } from './webhook-config.js';
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, signatureHeader } from './webhook-signature.js';
import { checkTemplate, renderTemplate, type JsonValue } from './webhook-template.js';

/** The operation name: the gateway names the tool `<connector>_send`. */
export const WEBHOOK_OPERATION = 'send';
/** Strings without a declared maxLength are limited to this many characters. */
export const DEFAULT_MAX_LENGTH = 1000;
/** Most bytes of a receiver's response read (and then discarded). */
const MAX_RESPONSE_BYTES = 64 * 1024;
const MAX_RETRY_DELAY_MS = 30_000;

/** What the connector needs from the gateway, plus tuning for tests. */
export interface WebhookConnectorDeps {
  readonly log: Logger;
  readonly secrets: SecretResolver;
  /** Where `${env:NAME}` references are read (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** First retry delay in ms (default 1000), doubled per retry. */
  readonly retryDelayMs?: number;
  /** Name resolution for egress checks (tests). */
  readonly lookup?: HostLookup;
  readonly now?: () => Date;
}

/** What one delivery returned to the agent. */
export interface WebhookDelivery {
  readonly delivered: true;
  readonly status: number;
  readonly attempts: number;
  readonly idempotencyKey: string;
}

/** The connector (`type` and `config` narrowed; a `Connector` once the config union has `webhook`). */
export interface WebhookConnector extends Omit<Connector, 'type' | 'config'> {
  readonly type: 'webhook';
  readonly config: WebhookConnectorConfig;
}

/** Create a webhook connector. Checks its template, arguments and URL now. */
export function createWebhookConnector(config: WebhookConnectorConfig, deps: WebhookConnectorDeps): WebhookConnector {
  return new WebhookSender(config, deps);
}

/** The JSON Schema of the declared arguments. */
export function argumentsSchema(args: Readonly<Record<string, WebhookArgument>>): JsonSchemaObject {
  const properties: Record<string, unknown> = {};
  for (const [name, { required: _required, ...spec }] of Object.entries(args)) {
    properties[name] = spec.type === 'string' ? { ...spec, maxLength: spec.maxLength ?? DEFAULT_MAX_LENGTH } : spec;
  }
  const required = Object.entries(args).filter(([, a]) => a.required).map(([name]) => name);
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}), additionalProperties: false };
}

type Attempt = { readonly response: UpstreamResponse } | { readonly error: GatehouseError };

const RETRY_STATUSES = new Set([408, 425, 429]);

function retryable(attempt: Attempt): boolean {
  if ('error' in attempt) return attempt.error.code === 'UPSTREAM_TIMEOUT' || attempt.error.code === 'CONNECTOR_UNAVAILABLE';
  const { status } = attempt.response;
  return RETRY_STATUSES.has(status) || (status >= 500 && status !== 501 && status !== 505);
}

/** Retry-After in ms (seconds or an HTTP date), if the receiver sent one. */
function retryAfterMs(attempt: Attempt, now: number): number | undefined {
  if (!('response' in attempt)) return undefined;
  const header = attempt.response.headers['retry-after'];
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new GatehouseError('UPSTREAM_TIMEOUT', 'The call was cancelled while waiting to retry the webhook.', { cancelled: true }));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

class WebhookSender implements WebhookConnector {
  readonly name: string;
  readonly type = 'webhook' as const;
  readonly config: WebhookConnectorConfig;
  readonly #deps: WebhookConnectorDeps;
  readonly #url: URL;
  readonly #secret: ConfigValue;
  readonly #template: JsonValue;
  readonly #validate: ValidateFunction;
  readonly #transport: HttpTransport;
  readonly #operations: readonly OperationSpec[];
  #deliveries = 0;
  #failures = 0;

  /** Outcomes and latency of calls, for health(). */
  readonly #calls: CallHealth;

  constructor(config: WebhookConnectorConfig, deps: WebhookConnectorDeps) {
    this.#calls = new CallHealth(deps.now);
    const where = `connectors.${config.name}`;
    this.name = config.name;
    this.config = config;
    this.#deps = deps;
    this.#url = new URL(config.url);
    if (this.#url.username !== '' || this.#url.password !== '') throw new GatehouseError('CONFIG_INVALID', `${where}.url must not carry credentials.`);
    this.#secret = configValue(config.secret, `${where}.secret`, deps.env ?? process.env);
    this.#template = config.template as JsonValue;
    checkTemplate(this.#template, new Set(Object.keys(config.arguments)), `${where}.template`);
    const schema = argumentsSchema(config.arguments);
    this.#validate = new Ajv({ allErrors: true, strict: false, coerceTypes: false, useDefaults: false }).compile(schema);
    this.#transport = new HttpTransport({
      policy: createAddressPolicy(config.allow_private_network, where),
      lookup: deps.lookup,
      timeoutMs: durationMs(config.timeout),
      maxBytes: MAX_RESPONSE_BYTES,
    });
    const summary = config.description ?? `Send a signed notification to the ${config.name} webhook (${config.purpose}).`;
    const all: OperationSpec[] = [{ name: WEBHOOK_OPERATION, power: 'trigger', summary, inputSchema: schema }];
    this.#operations = Object.freeze(all.filter((op) => config.powers.includes(op.power)));
  }

  operations(): readonly OperationSpec[] {
    return this.#operations;
  }

  async target(operation: string, _args: Readonly<Record<string, unknown>>): Promise<ResourceRef> {
    this.#operation(operation);
    return { type: 'Connector', id: this.name, attributes: {}, parents: [] };
  }

  async execute(operation: string, args: Readonly<Record<string, unknown>>, ctx: ConnectorContext): Promise<OperationResult> {
    this.#operation(operation);
    if (!this.#validate(args)) {
      const at = (this.#validate.errors ?? []).slice(0, 3).map((e) => `${e.instancePath || '(arguments)'} ${e.message ?? e.keyword}`);
      throw new GatehouseError('ARGUMENTS_INVALID', `Arguments for ${this.name}_${operation} are invalid: ${at.join('; ')}.`, { connector: this.name });
    }
    const body = JSON.stringify(renderTemplate(this.#template, args));
    try {
      const delivery = await this.#calls.track(() => this.#deliver(body, ctx.signal));
      this.#deliveries += 1;
      const attempts = `${delivery.attempts} ${delivery.attempts === 1 ? 'attempt' : 'attempts'}`;
      return {
        text: `Webhook "${this.name}" accepted the payload (HTTP ${delivery.status}, ${attempts}).`,
        structured: { ...delivery },
        summary: `HTTP ${delivery.status} after ${attempts}`,
        provenance: [],
      };
    } catch (err) {
      this.#failures += 1;
      throw err;
    }
  }

  health(): ConnectorHealth {
    return {
      status: this.#calls.failing ? 'degraded' : 'ok',
      ...this.#calls.snapshot(),
      facts: { host: this.#url.host, deliveries: this.#deliveries, failures: this.#failures },
    };
  }

  async start(): Promise<void> {
    // Nothing to connect: each call is one delivery.
  }

  close(): Promise<void> {
    return this.#transport.close();
  }


  #operation(operation: string): void {
    if (!this.#operations.some((op) => op.name === operation)) {
      throw new GatehouseError('TOOL_UNKNOWN', `Connector "${this.name}" offers no operation "${operation.slice(0, 64)}".`, { connector: this.name });
    }
  }

  /** POST the body, retrying what may succeed later; the outcome, or the error of the last attempt. */
  async #deliver(body: string, signal: AbortSignal): Promise<WebhookDelivery> {
    const secret = typeof this.#secret === 'string' ? this.#secret : await this.#deps.secrets.resolve(this.#secret);
    const idempotencyKey = randomUUID();
    const maxAttempts = this.config.retries + 1;
    const base = this.#deps.retryDelayMs ?? 1000;
    for (let n = 1; ; n += 1) {
      const attempt = await this.#attempt(body, secret, idempotencyKey, signal);
      if ('response' in attempt && attempt.response.status >= 200 && attempt.response.status < 300) {
        return { delivered: true, status: attempt.response.status, attempts: n, idempotencyKey };
      }
      if (n >= maxAttempts || !retryable(attempt) || signal.aborted) throw this.#failure(attempt, n);
      const backoff = Math.min(MAX_RETRY_DELAY_MS, base * 2 ** (n - 1)) * (0.8 + Math.random() * 0.4);
      const delay = Math.min(MAX_RETRY_DELAY_MS, retryAfterMs(attempt, Date.now()) ?? backoff);
      this.#deps.log.info('webhook delivery will be retried', {
        connector: this.name, attempt: n, ...('response' in attempt ? { status: attempt.response.status } : { code: attempt.error.code }),
      });
      await sleep(Math.round(delay), signal);
    }
  }

  async #attempt(body: string, secret: string, idempotencyKey: string, signal: AbortSignal): Promise<Attempt> {
    const timestamp = Math.floor(Date.now() / 1000);
    try {
      const response = await this.#transport.send({
        method: 'POST',
        url: this.#url,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'gatehouse-webhook/0.1.0',
          [IDEMPOTENCY_HEADER]: idempotencyKey,
          [SIGNATURE_HEADER]: signatureHeader(secret, timestamp, body),
        },
        body,
      }, { signal });
      return { response };
    } catch (err) {
      return { error: err instanceof GatehouseError ? err : new GatehouseError('CONNECTOR_UNAVAILABLE', `Webhook "${this.name}" could not be reached.`, {}, { cause: err }) };
    }
  }

  #failure(attempt: Attempt, attempts: number): GatehouseError {
    const details = { connector: this.name, attempts };
    const tries = `${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}`;
    if ('error' in attempt) {
      const { error } = attempt;
      const status = error.details.status;
      if (typeof status === 'number' && status >= 300 && status < 400) {
        return new GatehouseError('EGRESS_DENIED', `Webhook "${this.name}" answered with a redirect (HTTP ${status}); only the configured URL is used.`, { ...details, status });
      }
      if (error.code === 'UPSTREAM_TIMEOUT') return new GatehouseError('UPSTREAM_TIMEOUT', `Webhook "${this.name}" did not answer in time (${tries}).`, details);
      if (error.code === 'CONNECTOR_UNAVAILABLE') return new GatehouseError('CONNECTOR_UNAVAILABLE', `Webhook "${this.name}" could not be reached (${tries}).`, details);
      return error;
    }
    const { status } = attempt.response;
    const rejected = status < 500 && !retryable(attempt);
    return new GatehouseError(rejected ? 'UPSTREAM_REJECTED' : 'UPSTREAM_ERROR', `Webhook "${this.name}" answered HTTP ${status} (${tries}).`, { ...details, status });
  }
}
