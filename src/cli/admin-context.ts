/**
 * What administrative commands share: the loaded configuration, the store, and an audit writer so
 * every administrative change (key issued, agent revoked, connector paused) lands in the trail.
 */
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import type { AuditEntry, AuditSink } from '../audit/audit-entry.js';
import { loadAuditKeys } from '../audit/audit-keys.js';
import { AuditWriter } from '../audit/audit-writer.js';
import { loadConfig, type Config } from '../config/load.js';
import { silentLogger } from '../ops/logger.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';

export interface AdminContext {
  readonly config: Config;
  readonly store: Store;
  /** Record an administrative action by the operator running the command. */
  recordAdmin(action: string, fields: Pick<AuditEntry, 'status'> & Partial<Pick<AuditEntry, 'connector' | 'target' | 'summary' | 'errorCode'>>): Promise<string>;
  /** The audit writer of this command (opened on first use, flushed and closed with the context). */
  audit(): Promise<AuditSink>;
}

/** The operator's OS account name, as the admin actor of CLI actions. */
export function operatorName(): string {
  try {
    return `os:${userInfo().username}`;
  } catch {
    return 'os:unknown';
  }
}

/** Load config, open store and audit writer, run `fn`, and always close them. */
export async function withAdmin<T>(configFile: string, fn: (ctx: AdminContext) => Promise<T>): Promise<T> {
  const config = loadConfig(configFile);
  const store = await openStore(config.store);
  let writer: Promise<AuditWriter> | undefined;
  try {
    const open = () => {
      writer ??= loadAuditKeys(config, store).then((keys) => new AuditWriter(store, keys, { contentMode: config.audit.content, log: silentLogger }));
      return writer;
    };
    const ctx: AdminContext = {
      config,
      store,
      audit: open,
      recordAdmin: async (action, fields) => {
        return (await open()).record({
          kind: 'admin', requestId: `cli_${randomBytes(9).toString('base64url')}`, actor: { admin: operatorName() },
          action, decision: 'none', policyIds: [], durationMs: 0, ...fields,
        });
      },
    };
    return await fn(ctx);
  } finally {
    await (await writer?.catch(() => undefined))?.close();
    await store.close();
  }
}

/** Print a value as JSON or as text. */
export function printResult(io: { out(text: string): void }, json: boolean | undefined, value: unknown, text: string): void {
  io.out(json ? `${JSON.stringify(value, null, 2)}\n` : text.endsWith('\n') ? text : `${text}\n`);
}

/** Render rows as an aligned text table. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}
