/**
 * Configuration of the `http` connector: an HTTP API described by an OpenAPI 3 document (`openapi`)
 * or by inline operations, of which only the operations listed under `operations` become tools.
 * Credentials are secret references injected by the gateway; egress is limited to `base_url`.
 * See docs/connectors/http.md for the reference and the egress rules.
 */
import { z } from 'zod';
import { connectorCommon, duration, secretReference } from '../../config/schema-parts.js';
import { POWERS } from '../../domain/types.js';

/** Operation ids usable as tool names: the gateway names the tool `<connector>_<id>`. */
export const OPERATION_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** HTTP methods an operation may use. */
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** An RFC 9110 header field name (token). */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** A dotted response field path; `[]` after a segment is accepted and means the same as without it. */
export const FIELD_PATH = /^[A-Za-z0-9_$@-]+(\[\])?(\.[A-Za-z0-9_$@-]+(\[\])?)*$/;

/** Parameter names of inline operations. */
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

/** A literal, or for non-secret settings such as a user name, a `${env:…}` / `${secret:…}` reference. */
const literalOrReference = z.string().min(1).max(4096);

const jsonSchema = z.record(z.string(), z.unknown());

const authSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({ type: z.literal('bearer'), token: secretReference }),
  z.strictObject({ type: z.literal('basic'), username: literalOrReference, password: secretReference }),
  z.strictObject({
    type: z.literal('api_key'),
    /** Header carrying the key, e.g. X-API-Key. */
    header: z.string().regex(HEADER_NAME, { message: 'expected a header name such as "X-API-Key"' }).max(128),
    value: secretReference,
  }),
  z.strictObject({
    type: z.literal('oauth2_client_credentials'),
    token_url: z.url({ protocol: /^https?$/ }),
    client_id: literalOrReference,
    client_secret: secretReference,
    scope: z.string().min(1).max(1024).optional(),
    /** How the client authenticates at the token endpoint (RFC 6749 §2.3.1). */
    client_auth: z.enum(['basic', 'post']).default('basic'),
  }),
]);

/** One allow-listed operation: overrides for an OpenAPI operation, or a full inline definition. */
const operationSchema = z.strictObject({
  /** Power of the operation; GET and HEAD default to `read`, other methods to `write`. */
  power: z.enum(POWERS).optional(),
  /** Description for the model; defaults to the OpenAPI summary/description. */
  summary: z.string().min(1).max(1000).optional(),
  /** Dotted fields of the JSON response passed to the agent (`items.id`, `requester.name`); all when absent. */
  response_fields: z.array(z.string().regex(FIELD_PATH, { message: 'expected a dotted field path such as "requester.name"' })).optional(),
  /** Declare a PUT or DELETE idempotent so that it is retried (GET and HEAD always are). */
  idempotent: z.boolean().optional(),
  /** What a successful response holds: JSON (default) or text. */
  response: z.enum(['json', 'text']).default('json'),
  // --- inline definition (only without `openapi`) ---
  method: z.enum(HTTP_METHODS).optional(),
  /** Path below base_url, with `{name}` placeholders, e.g. `/tickets/{id}`. */
  path: z.string().regex(/^\/[^?#\s]*$/, { message: 'expected a path such as "/tickets/{id}"' }).max(2048).optional(),
  /** JSON Schema of each path and query parameter by name; `{name}` in `path` makes it a path parameter. */
  params: z.record(z.string().regex(PARAM_NAME), jsonSchema).optional(),
  /** Required query parameters (path parameters are always required). */
  required: z.array(z.string()).optional(),
  /** JSON Schema of the JSON request body, passed as the `body` argument. */
  body: jsonSchema.optional(),
  /**
   * How to undo this operation (`gatehouse rollback`): another allow-listed operation and its
   * arguments; a value that is exactly `{{args.NAME}}` or `{{result.PATH}}` is taken from this call's
   * arguments or JSON response (dotted path), anything else is literal.
   */
  compensate: z.strictObject({
    operation: z.string().regex(OPERATION_ID),
    arguments: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).default({}),
  }).optional(),
});

/** The `http` connector entry of gatehouse.yaml. */
export const httpConnectorSchema = z.strictObject({
  ...connectorCommon,
  type: z.literal('http'),
  /** Every request goes to this origin and below this path. */
  base_url: z.url({ protocol: /^https?$/ }),
  /** OpenAPI 3.0/3.1 document (YAML or JSON) describing the API; absolute once loaded. */
  openapi: z.string().min(1).optional(),
  /** The allow-list, by operation id. */
  operations: z.record(z.string().regex(OPERATION_ID, { message: 'operation ids use letters, digits, "_" and "-" only' }), operationSchema)
    .refine((ops) => Object.keys(ops).length > 0, { message: 'allow at least one operation' }),
  auth: authSchema.default({ type: 'none' }),
  /** Bound on each attempt (connect, headers and body). */
  timeout: duration.default('10s'),
  /** Further attempts of idempotent calls after a timeout, a connection failure, 408, 429 or 5xx. */
  retries: z.number().int().min(0).max(5).default(2),
  /**
   * Explicit opt-in to private, loopback, link-local and other non-public targets: `true` for all of
   * them, or a list of CIDR ranges (e.g. `["10.20.0.0/16"]`). Cloud metadata addresses stay refused.
   */
  allow_private_network: z.union([z.boolean(), z.array(z.string().min(1)).min(1)]).default(false),
  /** Largest response body read, in bytes; larger responses fail with UPSTREAM_ERROR. */
  max_response_bytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
}).superRefine((value, ctx) => {
  const base = safeUrl(value.base_url);
  if (base !== undefined && (base.username !== '' || base.password !== '')) {
    ctx.addIssue({ code: 'custom', path: ['base_url'], message: 'put credentials under "auth" as secret references, not in the URL' });
  }
  if (base !== undefined && (base.search !== '' || base.hash !== '' || value.base_url.includes('?') || value.base_url.includes('#'))) {
    ctx.addIssue({ code: 'custom', path: ['base_url'], message: 'base_url takes no query string or fragment' });
  }
  if (value.auth.type === 'oauth2_client_credentials') {
    const token = safeUrl(value.auth.token_url);
    if (token !== undefined && (token.username !== '' || token.password !== '')) {
      ctx.addIssue({ code: 'custom', path: ['auth', 'token_url'], message: 'put credentials in client_id/client_secret, not in the URL' });
    }
  }
  for (const [id, op] of Object.entries(value.operations)) {
    if (op.compensate !== undefined && (op.compensate.operation === id || !Object.hasOwn(value.operations, op.compensate.operation))) {
      ctx.addIssue({ code: 'custom', path: ['operations', id, 'compensate', 'operation'], message: 'the compensating operation must be another operation of this connector' });
    }
    const inline = op.method !== undefined || op.path !== undefined || op.params !== undefined || op.body !== undefined || op.required !== undefined;
    if (value.openapi !== undefined && inline) {
      ctx.addIssue({ code: 'custom', path: ['operations', id], message: 'with "openapi", operations take overrides only (power, summary, response_fields, idempotent, response)' });
    }
    if (value.openapi === undefined && (op.method === undefined || op.path === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['operations', id], message: 'without "openapi", each operation needs "method" and "path"' });
    }
  }
});

/** A validated `http` connector entry. */
export type HttpConnectorConfig = z.output<typeof httpConnectorSchema>;
/** The `auth` setting of an `http` connector. */
export type HttpAuthConfig = HttpConnectorConfig['auth'];
/** One allow-listed operation as configured. */
export type HttpOperationConfig = HttpConnectorConfig['operations'][string];

function safeUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}
