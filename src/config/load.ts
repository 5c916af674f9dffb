/**
 * Reads gatehouse.yaml once, checks it in full, and returns a frozen Config.
 * Every problem is reported with file, line, dot-path and what was expected; nothing is half-loaded.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import picomatch from 'picomatch';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { GatehouseError } from '../errors/catalog.js';
import type { HttpConnectorConfig } from '../connectors/http/http-config.js';
import type { McpConnectorConfig } from '../connectors/mcp/mcp-config.js';
import { loadSqlConnectorConfig, type SqlConnectorConfig } from '../connectors/sql/sql-config.js';
import type { WebhookConnectorConfig } from '../connectors/webhook/webhook-config.js';
import { isSecretName, SECRET_NAME } from '../secrets/store-secret-resolver.js';
import { configSchema, type FilesConnectorConfig, type ParsedConfig, type ParsedConnectorConfig } from './schema.js';
import { durationMs, SECRET_REFERENCE } from './schema-parts.js';
import { Secret } from './secret.js';

/** One thing wrong with a configuration file. */
export interface ConfigProblem {
  readonly file: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
  /** Dot-path of the key, e.g. `connectors[0].powers[1]`. */
  readonly path: string;
  readonly message: string;
}

/** Raised when a configuration file cannot be used; carries every problem found. */
export class ConfigError extends GatehouseError {
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[], code: 'CONFIG_INVALID' | 'CONFIG_REFERENCE_UNRESOLVED' = 'CONFIG_INVALID') {
    const lines = problems.map(formatProblem).join('\n');
    super(code, `Configuration has ${problems.length} problem(s):\n${lines}\n`, { problems: problems.length });
    this.problems = problems;
  }
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}:${p.column ?? 1}`;
  return `  ${where} ${p.path || '(root)'}: ${p.message}`;
}

/**
 * A connector entry as loaded: paths absolute; the sql password a Secret. The http, mcp and
 * webhook connectors keep their references as text and turn them into Secrets when built
 * (connectors/config-value.ts); every reference has been checked here.
 */
export type ConnectorConfig = FilesConnectorConfig | SqlConnectorConfig | HttpConnectorConfig | McpConnectorConfig | WebhookConnectorConfig;

/** The validated configuration with paths made absolute and secrets resolved. */
export interface Config extends Omit<ParsedConfig, 'identity' | 'audit' | 'connectors'> {
  readonly connectors: readonly ConnectorConfig[];
  /** Whether any key uses a `${secret:NAME}` reference (then the master key must be available). */
  readonly usesStoredSecrets: boolean;
  readonly audit: Omit<ParsedConfig['audit'], 'hmac_key'> & { readonly hmacKey: Secret | undefined };
  /** Absolute path of the file this came from. */
  readonly file: string;
  /** Folder the relative paths in the file are resolved against. */
  readonly baseDir: string;
  readonly identity: {
    readonly userAttributes: ParsedConfig['identity']['user_attributes'];
    readonly userAssertion:
      | {
          readonly issuer: string;
          readonly audience: string;
          readonly secret: Secret | undefined;
          readonly publicKeyPem: string | undefined;
          readonly maxAgeMs: number;
        }
      | undefined;
  };
  readonly checkpointIntervalMs: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Load and check a configuration file. Throws ConfigError listing every problem. */
export function loadConfig(file: string, env: Env = process.env): Config {
  const absolute = resolve(file);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch {
    throw new GatehouseError('CONFIG_NOT_FOUND', `Cannot read configuration file ${absolute}.`, { file: absolute });
  }
  return parseConfig(text, absolute, env);
}

/** Check configuration text as if it were the file `file`. */
export function parseConfig(text: string, file: string, env: Env = process.env): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problemAt = (path: readonly PropertyKey[], message: string): ConfigProblem => {
    const pos = positionOf(doc, lineCounter, path);
    return { file, line: pos?.line, column: pos?.col, path: dotPath(path), message };
  };

  if (doc.errors.length > 0) {
    // One syntax error derails the parser for the rest of the file: the first few are the useful ones.
    throw new ConfigError(doc.errors.slice(0, 3).map((e) => {
      const pos = lineCounter.linePos(e.pos[0]);
      return { file, line: pos?.line, column: pos?.col, path: '', message: e.message.split('\n')[0] ?? 'YAML syntax error' };
    }));
  }
  const raw: unknown = doc.toJS() ?? {};
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => problemAt(issuePath(issue), issue.message)));
  }

  const value = parsed.data;
  const problems = crossFieldProblems(value).map(([path, message]) => problemAt(path, message));
  if (problems.length > 0) throw new ConfigError(problems);

  const unresolved: ConfigProblem[] = [];
  const resolveSecret = (ref: string | undefined, path: readonly PropertyKey[], allowStore = false): Secret | undefined => {
    if (ref === undefined) return undefined;
    const [, kind, name] = SECRET_REFERENCE.exec(ref) ?? [];
    if (name === undefined) return undefined;
    if (kind === 'secret') {
      if (allowStore && !isSecretName(name)) {
        unresolved.push(problemAt(path, `"${name}" is not a valid secret name: store secret names match ${SECRET_NAME.source} (at most 64 characters)`));
        return undefined;
      }
      if (allowStore) return new Secret(ref, 'store', name);
      unresolved.push(problemAt(path, `${ref} cannot be used here: this key takes an \${env:NAME} reference`));
      return undefined;
    }
    const resolved = env[name];
    if (resolved === undefined || resolved === '') {
      unresolved.push(problemAt(path, `environment variable ${name} is not set`));
      return undefined;
    }
    return new Secret(ref, 'env', name, resolved);
  };

  const baseDir = dirname(file);
  const store = interpolateEnv(value.store, env, (name) => unresolved.push(problemAt(['store'], `environment variable ${name} is not set`)));
  const assertion = value.identity.user_assertion;
  let publicKeyPem: string | undefined;
  if (assertion?.public_key_file !== undefined) {
    try {
      publicKeyPem = readFileSync(resolve(baseDir, assertion.public_key_file), 'utf8');
    } catch {
      unresolved.push(problemAt(['identity', 'user_assertion', 'public_key_file'], 'cannot read the public key file'));
    }
  }
  const secret = resolveSecret(assertion?.secret, ['identity', 'user_assertion', 'secret']);
  const hmacKey = resolveSecret(value.audit.hmac_key, ['audit', 'hmac_key']);
  const connectors = value.connectors.map((c, index) => loadConnector(c, index, baseDir, resolveSecret));
  if (unresolved.length > 0) throw new ConfigError(unresolved, 'CONFIG_REFERENCE_UNRESOLVED');

  const config: Config = {
    ...value,
    file,
    baseDir,
    store: store.startsWith('sqlite:') ? `sqlite:${resolve(baseDir, store.slice('sqlite:'.length))}` : store,
    state_dir: resolve(baseDir, value.state_dir),
    audit: { content: value.audit.content, checkpoint_interval: value.audit.checkpoint_interval, hmacKey },
    secrets: value.secrets.master_key_file === undefined ? {} : { master_key_file: resolve(baseDir, value.secrets.master_key_file) },
    connectors,
    usesStoredSecrets: value.connectors.some((c) => JSON.stringify(c).includes('${secret:')),
    policies: value.policies.map((p) => (isAbsolute(p) ? p : resolve(baseDir, p))),
    identity: {
      userAttributes: value.identity.user_attributes,
      userAssertion: assertion === undefined ? undefined : {
        issuer: assertion.issuer,
        audience: assertion.audience,
        secret,
        publicKeyPem,
        maxAgeMs: durationMs(assertion.max_age),
      },
    },
    checkpointIntervalMs: durationMs(value.audit.checkpoint_interval),
  };
  return deepFreeze(config);
}

type ResolveSecret = (ref: string | undefined, path: readonly PropertyKey[], allowStore?: boolean) => Secret | undefined;

/**
 * One connector entry made ready for its connector: relative paths resolved against the file's
 * folder, and every secret reference in it checked now (env variables set, store names valid), so
 * that a missing variable is reported with its line rather than when the connector starts.
 */
function loadConnector(c: ParsedConnectorConfig, index: number, baseDir: string, resolveSecret: ResolveSecret): ConnectorConfig {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const at = ['connectors', index];
  checkReferences(c, at, resolveSecret);
  switch (c.type) {
    case 'files':
      return { ...c, path: abs(c.path) };
    case 'sql':
      return loadSqlConnectorConfig(c, baseDir, (ref) => resolveSecret(ref, [...at, 'password'], true));
    case 'http':
      return c.openapi === undefined ? c : { ...c, openapi: abs(c.openapi) };
    case 'mcp':
      return c.cwd === undefined ? c : { ...c, cwd: abs(c.cwd) };
    case 'webhook':
      return c;
  }
}

/** Every string in `value` that is a secret reference, resolved once to report what is missing. */
function checkReferences(value: unknown, path: readonly PropertyKey[], resolveSecret: ResolveSecret): void {
  if (typeof value === 'string') {
    if (SECRET_REFERENCE.test(value)) resolveSecret(value, path, true);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => checkReferences(v, [...path, i], resolveSecret));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) checkReferences(v, [...path, k], resolveSecret);
  }
}

/** Rules that span several keys: unique names, valid globs, agents and users that make sense. */
function crossFieldProblems(config: ParsedConfig): [readonly PropertyKey[], string][] {
  const problems: [readonly PropertyKey[], string][] = [];
  const seen = (list: readonly { name?: string; id?: string }[], key: 'name' | 'id', section: string) => {
    const names = new Map<string, number>();
    list.forEach((item, index) => {
      const value = item[key];
      if (value === undefined) return;
      const first = names.get(value);
      if (first !== undefined) problems.push([[section, index, key], `duplicate ${key} "${value}" (first used at ${section}[${first}])`]);
      else names.set(value, index);
    });
  };
  seen(config.connectors, 'name', 'connectors');
  seen(config.agents, 'name', 'agents');
  seen(config.users, 'id', 'users');
  seen(config.admins, 'name', 'admins');
  config.connectors.forEach((connector, index) => {
    if (connector.type !== 'files') return;
    for (const glob of Object.keys(connector.labels)) {
      try {
        picomatch(glob, { dot: true, strictSlashes: true });
      } catch {
        problems.push([['connectors', index, 'labels', glob], `"${glob}" is not a valid glob`]);
      }
    }
  });
  config.agents.forEach((agent, index) => {
    if (agent.act_for_users && config.identity.user_assertion === undefined) {
      problems.push([['agents', index, 'act_for_users'], 'agents can act for users only when identity.user_assertion is configured']);
    }
  });
  return problems;
}

function interpolateEnv(value: string, env: Env, missing: (name: string) => void): string {
  return value.replace(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g, (_all, name: string) => {
    const resolved = env[name];
    if (resolved === undefined) {
      missing(name);
      return '';
    }
    return resolved;
  });
}

function issuePath(issue: z.core.$ZodIssue): PropertyKey[] {
  // An unknown key is reported on its parent object; point at the key itself.
  if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) return [...issue.path, issue.keys[0] as string];
  return [...issue.path];
}

function dotPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => {
    if (typeof key === 'number') return `${acc}[${key}]`;
    return acc === '' ? String(key) : `${acc}.${String(key)}`;
  }, '');
}

/** Position of the deepest node that exists along `path`: the key itself where possible. */
function positionOf(doc: Document, counter: LineCounter, path: readonly PropertyKey[]): { line: number; col: number } | undefined {
  let node: unknown = doc.contents;
  let offset: number | undefined = rangeStart(node);
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(key));
      if (pair === undefined) break;
      offset = rangeStart(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key];
      offset = rangeStart(node) ?? offset;
    } else {
      break;
    }
  }
  return offset === undefined ? undefined : counter.linePos(offset);
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
  return range?.[0];
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !(value instanceof Secret) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) deepFreeze(child);
  }
  return value;
}
