/**
 * Shared pieces of the sql connector's tests: the declared configuration of the test tables
 * (parsed through the real schema), callers with and without user attributes, and a context whose
 * mayAccess records what it was asked.
 */
import assert from 'node:assert/strict';
import type { Secret } from '../../../config/secret.js';
import type { AttributeValue, Caller, Power, ResourceRef } from '../../../domain/types.js';
import { GatehouseError } from '../../../errors/catalog.js';
import { silentLogger } from '../../../ops/logger.js';
import type { ConnectorContext } from '../../connector.js';
import { loadSqlConnectorConfig, sqlConnectorSchema, type SqlConnectorConfig } from '../sql-config.js';
import { createSqlConnector, type SqlConnector, type SqlConnectorDeps } from '../sql-connector.js';

/** The test tables as an administrator would declare them in gatehouse.yaml. */
export function rawConfig(url: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'crm', type: 'sql', owner: 'sales-ops', purpose: 'customer records', url,
    powers: ['read', 'write'], raw_sql: true, statement_timeout: '3s',
    tables: {
      customers: {
        key: 'id', columns: ['id', 'name', 'email', 'region', 'plan'], mask: { email: 'partial' },
        row_filter: 'region = {{user.region}}', max_rows: 3, label: 'confidential',
        write: { update: ['plan', 'region'], insert: ['id', 'name', 'email', 'region', 'plan'] },
      },
      tickets: {
        columns: ['id', 'customer_id', 'subject', 'status', 'category'], max_rows: 50,
        write: { update: ['status', 'category'], insert: ['customer_id', 'subject', 'status', 'category'] },
      },
    },
    ...extra,
  };
}

/** Parse and load a raw entry, as the configuration loader would. */
export function loadConfig(raw: Record<string, unknown>, secret?: Secret): SqlConnectorConfig {
  return loadSqlConnectorConfig(sqlConnectorSchema.parse(raw), '/', () => secret);
}

/** Connectors made by `connector()`, closed by `closeAll()`. */
const open: SqlConnector[] = [];

/** A connector over `url` (probe off), with optional config changes and deps. */
export function connector(url: string, extra: Record<string, unknown> = {}, deps: Partial<SqlConnectorDeps> = {}, secret?: Secret): SqlConnector {
  const c = createSqlConnector(loadConfig(rawConfig(url, extra), secret), {
    log: silentLogger, secrets: { resolve: async (s) => s.reveal() }, probeIntervalMs: 0, connectTimeoutMs: 3000, ...deps,
  });
  open.push(c);
  return c;
}

/** Close every connector made by `connector()`. */
export async function closeAll(): Promise<void> {
  for (const c of open.splice(0)) await c.close();
}

/** An agent acting for a user with `attributes` (or for nobody, when null). */
export function caller(attributes: Record<string, AttributeValue> | null = { region: 'eu' }): Caller {
  return {
    agent: { name: 'helper', owner: 'ops', description: undefined, groups: [], attributes: {}, actForUsers: true },
    keyId: 'k1',
    user: attributes === null ? undefined : { id: 'u-1', groups: [], attributes },
  };
}

/** A context for `who`; `refuse` decides which resources policy refuses. Records every question. */
export function context(who: Caller = caller(), refuse: (r: ResourceRef, a: Power) => boolean = () => false): ConnectorContext & { asked: ResourceRef[] } {
  const asked: ResourceRef[] = [];
  return {
    caller: who, asked,
    mayAccess: (resource, action) => {
      asked.push(resource);
      return !refuse(resource, action);
    },
    signal: new AbortController().signal,
  };
}

/** Assert that `promise` rejects with a GatehouseError of `code`. */
export async function rejectsWith(promise: Promise<unknown>, code: string, what = ''): Promise<GatehouseError> {
  let caught: unknown;
  await assert.rejects(promise, (err: unknown) => {
    caught = err;
    return true;
  });
  assert.ok(caught instanceof GatehouseError, `${what}: expected a GatehouseError, got ${String(caught)}`);
  assert.equal(caught.code, code, `${what}: ${caught.message}`);
  return caught;
}
