/**
 * Configuration of the `sql` connector: a PostgreSQL, MySQL/MariaDB or SQLite database offered as
 * declared tables only, each with its columns, masks, row filter, row limit, label and writable
 * columns. Every cross-key rule is checked here, once, when the configuration is loaded.
 */
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { connectorCommon, duration, secretReference, sensitivity } from '../../config/schema-parts.js';
import type { Secret } from '../../config/secret.js';
import { MASK_KINDS } from './masking.js';
import type { SqlEngine } from './query-builder.js';
import { RowFilterSyntaxError, parseRowFilter } from './row-filter.js';

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, {
  message: 'SQL names use letters, digits and "_" only, start with a letter or "_", and have at most 63 characters',
});

/** `postgres://user@host:5432/db[?schema=NAME]`, `mysql://user@host:3306/db` (MariaDB too), `sqlite:PATH`. */
const URL_PATTERN = /^((postgres|postgresql|mysql|mariadb):\/\/\S+|sqlite:\S.*)$/;

const tableSchema = z.strictObject({
  /** Primary key column; get and update address rows by it. */
  key: identifier.default('id'),
  /** The only columns the agent can read, filter or sort by. */
  columns: z.array(identifier).min(1).max(200),
  /** Masked columns and how (partial, last4, redact). */
  mask: z.record(identifier, z.enum(MASK_KINDS)).default({}),
  /** Condition every access to this table is confined to, e.g. "region = {{user.region}}". */
  row_filter: z.string().min(1).max(500).optional(),
  /** Most rows one call returns. */
  max_rows: z.number().int().min(1).max(1000).default(100),
  /** Sensitivity label policies can read (resource.label). */
  label: sensitivity.default('internal'),
  /** Writable columns: `update` for the update operation, `insert` for the insert operation. */
  write: z.strictObject({
    update: z.array(identifier).min(1).optional(),
    insert: z.array(identifier).min(1).optional(),
  }).optional(),
}).superRefine((table, ctx) => {
  const columns = new Set(table.columns);
  const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  if (columns.size !== table.columns.length) issue(['columns'], 'columns are listed more than once');
  if (!columns.has(table.key)) issue(['key'], `the key column "${table.key}" must be one of the columns`);
  for (const column of Object.keys(table.mask)) {
    if (!columns.has(column)) issue(['mask', column], `"${column}" is not one of the columns`);
    if (column === table.key) issue(['mask', column], 'the key column cannot be masked: it names records');
  }
  for (const kind of ['update', 'insert'] as const) {
    for (const column of table.write?.[kind] ?? []) {
      if (!columns.has(column)) issue(['write', kind, column], `"${column}" is not one of the columns`);
    }
  }
  if (table.write?.update?.includes(table.key)) issue(['write', 'update'], 'the key column cannot be updated: changes are reverted by key');
  if (table.row_filter !== undefined) {
    try {
      parseRowFilter(table.row_filter);
    } catch (err) {
      if (!(err instanceof RowFilterSyntaxError)) throw err;
      issue(['row_filter'], `invalid row filter: ${err.message}`);
    }
  }
});

/** The `sql` entry of `connectors:` in gatehouse.yaml. */
export const sqlConnectorSchema = z.strictObject({
  ...connectorCommon,
  type: z.literal('sql'),
  /** Where the database is; credentials other than the user name do not belong here. */
  url: z.string().regex(URL_PATTERN, { message: 'expected postgres://user@host:5432/db, mysql://user@host:3306/db or sqlite:PATH' }),
  /** Database password, as a reference (`${secret:NAME}` or `${env:NAME}`). */
  password: secretReference.optional(),
  /** The declared tables, by name. Nothing else in the database is reachable. */
  tables: z.record(identifier, tableSchema).refine((t) => Object.keys(t).length > 0, { message: 'declare at least one table' }),
  /** Offer the raw read-only `sql` tool (a single SELECT over declared tables and columns). */
  raw_sql: z.boolean().default(false),
  /** Longest time one statement may run. */
  statement_timeout: duration.default('5s'),
  /** Most pooled connections. */
  pool_size: z.number().int().min(1).max(50).default(4),
}).superRefine((connector, ctx) => {
  const problem = urlProblem(connector.url, connector.password !== undefined);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['url'], message: problem });
});

/** The sql connector entry as validated by the schema (password still a reference). */
export type ParsedSqlConnectorConfig = z.output<typeof sqlConnectorSchema>;
/** One declared table. */
export type SqlTableConfig = z.output<typeof tableSchema>;

/** The sql connector entry as loaded: SQLite paths absolute, the password a Secret. */
export interface SqlConnectorConfig extends Omit<ParsedSqlConnectorConfig, 'password'> {
  readonly password: Secret | undefined;
}

/** The engine a connector URL names. */
export function sqlEngineOf(url: string): SqlEngine {
  if (url.startsWith('sqlite:')) return 'sqlite';
  if (url.startsWith('mysql://') || url.startsWith('mariadb://')) return 'mysql';
  return 'postgres';
}

/** What is wrong with a URL, or undefined. */
function urlProblem(url: string, hasPassword: boolean): string | undefined {
  const engine = sqlEngineOf(url);
  if (engine === 'sqlite') {
    if (hasPassword) return 'SQLite databases take no password';
    return url.slice('sqlite:'.length).startsWith('//') ? 'write sqlite:PATH (e.g. sqlite:./crm.db or sqlite:/var/lib/crm.db)' : undefined;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'not a valid URL';
  }
  if (parsed.password !== '') return 'the URL must not carry a password: set `password:` to a secret reference';
  if (parsed.username === '') return 'name the database user in the URL, e.g. postgres://crm_reader@host/db';
  if (parsed.hostname === '') return 'the URL names no host';
  if (parsed.pathname.length <= 1) return 'the URL names no database';
  for (const key of parsed.searchParams.keys()) {
    if (/password|passwd|^pwd$|^pass$|secret|token/i.test(key)) return `the URL parameter "${key}" may carry a credential: set \`password:\` to a secret reference`;
    if (engine === 'mysql' && key !== 'ssl') return `the URL parameter "${key}" is not supported for MySQL/MariaDB (only ssl=true)`;
  }
  if (engine === 'mysql' && ![null, 'true'].includes(parsed.searchParams.get('ssl'))) return 'ssl must be "true" when given';
  const schema = parsed.searchParams.get('schema');
  if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) return 'the schema parameter must be a lowercase SQL name';
  return undefined;
}

/** The SQLite file a `sqlite:PATH` URL names, or undefined for other engines. */
export function sqlitePath(url: string): string | undefined {
  return url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : undefined;
}

/**
 * Turn a parsed entry into its loaded form: a relative SQLite path resolved against `baseDir` (the
 * configuration file's folder) and the password reference resolved by the loader's own
 * `resolveSecret` (which accepts `${secret:NAME}` as a store secret and resolves `${env:NAME}`).
 */
export function loadSqlConnectorConfig(
  parsed: ParsedSqlConnectorConfig,
  baseDir: string,
  resolveSecret: (reference: string) => Secret | undefined,
): SqlConnectorConfig {
  const path = sqlitePath(parsed.url);
  const url = path === undefined || isAbsolute(path) ? parsed.url : `sqlite:${resolve(baseDir, path)}`;
  return { ...parsed, url, password: parsed.password === undefined ? undefined : resolveSecret(parsed.password) };
}
