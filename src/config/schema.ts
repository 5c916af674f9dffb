/**
 * The shape of gatehouse.yaml: every key, its type and its default, in one place.
 * Unknown keys are rejected everywhere (strict objects). The JSON Schema in
 * `config.schema.json` is generated from this file (`npm run schema`) and pinned by a test.
 */
import { z } from 'zod';
import { connectorCommon, duration, durationOrZero, lowercaseName, secretReference, sensitivity } from './schema-parts.js';
import { httpConnectorSchema } from '../connectors/http/http-config.js';
import { mcpConnectorSchema } from '../connectors/mcp/mcp-config.js';
import { sqlConnectorSchema } from '../connectors/sql/sql-config.js';
import { webhookConnectorSchema } from '../connectors/webhook/webhook-config.js';

const attributeValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]);
const attributes = z.record(z.string().regex(/^[a-z_][a-z0-9_]*$/, { message: 'attribute names use lowercase letters, digits and "_"' }), attributeValue);

const listen = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, {
  message: 'expected HOST:PORT, e.g. 127.0.0.1:7420',
});

const serverSchema = z.strictObject({
  listen: listen.default('127.0.0.1:7420'),
  /** Largest request body accepted on /mcp, in bytes. */
  max_body_bytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  /** URL printed for clients when the gateway sits behind a proxy. */
  public_url: z.url().optional(),
});

const auditSchema = z.strictObject({
  /** `hashed` stores keyed hashes of arguments and results; `full` stores them verbatim. */
  content: z.enum(['hashed', 'full']).default('hashed'),
  /** A signed checkpoint of the chain head is written at most this often (when the chain grew). */
  checkpoint_interval: duration.default('60s'),
  /**
   * Key for the HMAC-SHA-256 of arguments and results. Replicas sharing a store should share it;
   * when absent, a key is generated once in state_dir.
   */
  hmac_key: secretReference.optional(),
});

const secretsSchema = z.strictObject({
  /**
   * File holding the 32-byte master key that encrypts `${secret:NAME}` values at rest (raw bytes,
   * base64 or hex). Must be readable by its owner only. GATEHOUSE_MASTER_KEY, when set, wins.
   */
  master_key_file: z.string().min(1).optional(),
});

const userAssertionSchema = z.strictObject({
  /** Expected `iss` claim. */
  issuer: z.string().min(1),
  /** Expected `aud` claim. */
  audience: z.string().min(1).default('gatehouse'),
  /** HMAC key (HS256) shared with the issuer, as a reference. */
  secret: secretReference.optional(),
  /** PEM public key file (EdDSA, ES256 or RS256) of the issuer. */
  public_key_file: z.string().optional(),
  /** Tokens older than this are refused even if not yet expired. */
  max_age: duration.default('15m'),
}).refine((v) => (v.secret === undefined) !== (v.public_key_file === undefined), {
  message: 'set exactly one of "secret" or "public_key_file"',
});

const identitySchema = z.strictObject({
  user_assertion: userAssertionSchema.optional(),
  /**
   * Types of end-user attributes that policies may read, beyond those seen in `users:`.
   * Claims with other names are ignored.
   */
  user_attributes: z.record(z.string().regex(/^[a-z_][a-z0-9_]*$/), z.enum(['string', 'long', 'bool', 'set<string>'])).default({}),
});

const userSchema = z.strictObject({
  id: z.string().min(1),
  groups: z.array(lowercaseName('group')).default([]),
  attributes: attributes.default({}),
});

const adminSchema = z.strictObject({
  /** The person, usually an email address; signs in with a password or API token set by CLI. */
  name: z.string().min(1).max(200).regex(/^[^:\u0000-\u001f\u007f]+$/, { message: 'admin names contain no ":" and no control characters (HTTP Basic sign-in splits at ":")' }),
  /** admin: everything; approver: decides approvals of its groups; auditor: reads only. */
  role: z.enum(['admin', 'approver', 'auditor']),
  /** Approver groups named by `@approval("group")` policy annotations. */
  groups: z.array(lowercaseName('group')).default([]),
});

const approvalsSchema = z.strictObject({
  /** A pending approval not decided within this time expires and can no longer be executed. */
  expire_after: duration.default('24h'),
  /** How long a gated call may block waiting for a decision before answering "pending" (0s: answer at once). */
  wait: durationOrZero.default('0s'),
  /**
   * An approved request still `executing` this long after it was claimed is taken as interrupted (the
   * gateway stopped mid-way) and marked failed, never executed again. Longer than any call may take.
   */
  execution_lease: duration.default('10m'),
  /** How often each gateway looks for approved requests to execute (approvals decided elsewhere, e.g. by CLI). */
  poll_interval: duration.default('1s'),
  /** Longest wait an agent may ask for with the approval wait tool. */
  max_wait: duration.default('5m'),
  /** Slack-compatible incoming-webhook URL told of each new approval (a link and a summary, never arguments). */
  notify_url: z.url({ protocol: /^https?$/ }).optional(),
  /** Allow notify_url on a private or loopback address. */
  notify_allow_private_network: z.boolean().default(false),
});

const agentSchema = z.strictObject({
  name: lowercaseName('agent'),
  owner: z.string().min(1),
  description: z.string().optional(),
  groups: z.array(lowercaseName('group')).default([]),
  attributes: attributes.default({}),
  act_for_users: z.boolean().default(false),
});

const filesConnectorSchema = z.strictObject({
  ...connectorCommon,
  type: z.literal('files'),
  path: z.string().min(1),
  /** Sensitivity label by glob, relative to `path`. Unmatched documents get `default_label`. */
  labels: z.record(z.string().min(1), sensitivity).default({}),
  default_label: sensitivity.default('internal'),
  /** Most search hits returned by one call. */
  max_results: z.number().int().min(1).max(100).default(10),
  /** Largest document indexed or read, in bytes. */
  max_document_bytes: z.number().int().min(1024).max(50 * 1024 * 1024).default(2 * 1024 * 1024),
});

const connectorSchema = z.discriminatedUnion('type', [filesConnectorSchema, sqlConnectorSchema, httpConnectorSchema, mcpConnectorSchema, webhookConnectorSchema]);

export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  server: serverSchema.default(serverSchema.parse({})),
  /** `sqlite:PATH` (default) or `postgres://user@host:port/db`. */
  store: z.string().regex(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, {
    message: 'expected "sqlite:PATH" or "postgres://user@host:5432/db"',
  }).default('sqlite:./.gatehouse/gatehouse.db'),
  /** Folder for gateway-owned keys (audit signing and hashing keys). */
  state_dir: z.string().default('./.gatehouse'),
  audit: auditSchema.default(auditSchema.parse({})),
  identity: identitySchema.default(identitySchema.parse({})),
  /** The encrypted secrets store (`gatehouse secret set NAME`, referenced as `${secret:NAME}`). */
  secrets: secretsSchema.default(secretsSchema.parse({})),
  users: z.array(userSchema).default([]),
  connectors: z.array(connectorSchema).default([]),
  agents: z.array(agentSchema).default([]),
  /** People who approve, administer or audit; credentials are set with `gatehouse admin`. */
  admins: z.array(adminSchema).default([]),
  /** Approval gates: policies with `@approval("group")` hold calls for a person's decision. */
  approvals: approvalsSchema.default(approvalsSchema.parse({})),
  /** Globs of Cedar policy files, relative to this file. */
  policies: z.array(z.string().min(1)).default([]),
});

export type RawConfig = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
export type FilesConnectorConfig = z.output<typeof filesConnectorSchema>;
/** A connector entry as validated, before load.ts resolves its paths and references. */
export type ParsedConnectorConfig = z.output<typeof connectorSchema>;
export type AgentConfig = z.output<typeof agentSchema>;
export type AdminConfig = z.output<typeof adminSchema>;
export type UserConfig = z.output<typeof userSchema>;
