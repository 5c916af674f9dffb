/**
 * Configuration of the `webhook` connector: one operation (`send`, power `trigger`) that POSTs a
 * JSON payload built from `template` and the declared `arguments` to one `url`, signed with the
 * HMAC `secret`, with an idempotency key and at most `retries` retries.
 */
import { z } from 'zod';
import { connectorCommon, duration, secretReference } from '../../config/schema-parts.js';

/** Argument names usable in `{{args.NAME}}` placeholders. */
export const ARGUMENT_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** One declared argument: a scalar with JSON Schema constraints. */
const webhookArgument = z.strictObject({
  type: z.enum(['string', 'number', 'integer', 'boolean']),
  description: z.string().max(1000).optional(),
  /** Whether the agent must give it (default true). */
  required: z.boolean().default(true),
  /** Strings only; strings without it are limited to 1000 characters. */
  minLength: z.number().int().min(0).optional(),
  maxLength: z.number().int().min(1).max(100_000).optional(),
  pattern: z.string().min(1).max(1000).optional(),
  enum: z.array(z.union([z.string(), z.number()])).min(1).optional(),
  /** Numbers only. */
  minimum: z.number().optional(),
  maximum: z.number().optional(),
}).superRefine((arg, ctx) => {
  const stringOnly = ['minLength', 'maxLength', 'pattern'] as const;
  const numberOnly = ['minimum', 'maximum'] as const;
  if (arg.type !== 'string') {
    for (const key of stringOnly) if (arg[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `"${key}" applies to string arguments only` });
  }
  if (arg.type !== 'number' && arg.type !== 'integer') {
    for (const key of numberOnly) if (arg[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `"${key}" applies to number arguments only` });
  }
  if (arg.type === 'boolean' && arg.enum !== undefined) ctx.addIssue({ code: 'custom', path: ['enum'], message: '"enum" does not apply to boolean arguments' });
  if (arg.pattern !== undefined) {
    try {
      new RegExp(arg.pattern, 'u');
    } catch {
      ctx.addIssue({ code: 'custom', path: ['pattern'], message: 'not a valid regular expression' });
    }
  }
});

/** The `webhook` connector entry of gatehouse.yaml. */
export const webhookConnectorSchema = z.strictObject({
  ...connectorCommon,
  type: z.literal('webhook'),
  /** The one URL payloads are sent to. Redirects are not followed. */
  url: z.url({ protocol: /^https?$/ }),
  /** HMAC-SHA-256 key for the X-Gatehouse-Signature header, as a reference. */
  secret: secretReference,
  /**
   * The payload: any JSON object. A string that is exactly `{{args.NAME}}` becomes the argument's
   * value (number, boolean, string); inside a longer string it is inserted as text.
   */
  template: z.record(z.string(), z.json()),
  /** The arguments the agent gives, by name. */
  arguments: z.record(z.string().regex(ARGUMENT_NAME, { message: 'argument names use letters, digits and "_"' }), webhookArgument).default({}),
  /** What the webhook does, for the model (default: from `purpose`). */
  description: z.string().min(1).max(2000).optional(),
  /** Bound on each attempt. */
  timeout: duration.default('10s'),
  /** Further attempts after a timeout, connection failure, 408, 429 or 5xx (0 to 5). */
  retries: z.number().int().min(0).max(5).default(2),
  /** Private, loopback and link-local destinations need this, as for the http connector. */
  allow_private_network: z.union([z.boolean(), z.array(z.string().min(1)).min(1)]).default(false),
}).superRefine((value, ctx) => {
  if (/^[a-z]+:\/\/[^/]*@/i.test(value.url)) {
    ctx.addIssue({ code: 'custom', path: ['url'], message: 'a webhook URL must not carry credentials; use "secret"' });
  }
});

/** A validated `webhook` connector entry. */
export type WebhookConnectorConfig = z.output<typeof webhookConnectorSchema>;
/** One declared argument of a webhook. */
export type WebhookArgument = WebhookConnectorConfig['arguments'][string];
