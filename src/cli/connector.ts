/** `gatehouse connector list|pause|resume`. Pause and resume take effect on the next call, on every replica. */
import { GatehouseError } from '../errors/catalog.js';
import { HEALTH_INTERVAL_MS } from '../ops/health-reporter.js';
import type { ConnectorHealthRow } from '../store/store.js';
import { operatorName, printResult, table, withAdmin, type AdminContext } from './admin-context.js';
import { EXIT_OK, type Io } from './io.js';

interface ConnectorOptions {
  readonly config: string;
  readonly args: readonly string[];
  readonly json?: boolean;
  readonly reason?: string;
}

/** Health older than this is shown as stale: the replica that reported it may be gone. */
const STALE_AFTER_MS = 3 * HEALTH_INTERVAL_MS;

/** The most recent health report per connector across replicas. */
function newestHealth(rows: readonly ConnectorHealthRow[]): Map<string, { row: ConnectorHealthRow; stale: boolean }> {
  const newest = new Map<string, { row: ConnectorHealthRow; stale: boolean }>();
  for (const row of rows) {
    const current = newest.get(row.connector);
    if (current === undefined || row.updatedAt > current.row.updatedAt) {
      newest.set(row.connector, { row, stale: Date.now() - Date.parse(row.updatedAt) > STALE_AFTER_MS });
    }
  }
  return newest;
}

function declared(ctx: AdminContext, name: string): void {
  if (!ctx.config.connectors.some((c) => c.name === name)) {
    throw new GatehouseError('CONNECTOR_UNKNOWN', `Connector "${name}" is not declared in ${ctx.config.file}.`, { connector: name });
  }
}

export function connectorList(io: Io) {
  return (o: ConnectorOptions): Promise<number> => withAdmin(o.config, async (ctx) => {
    const states = new Map((await ctx.store.listConnectorStates()).map((s) => [s.connector, s]));
    const health = newestHealth(await ctx.store.listConnectorHealth());
    const rows = await Promise.all(ctx.config.connectors.map(async (c) => {
      const state = states.get(c.name);
      const documents = c.type === 'files' ? (await ctx.store.listDocuments(c.name)).length : undefined;
      const seen = health.get(c.name);
      return {
        name: c.name, type: c.type, owner: c.owner, purpose: c.purpose, powers: c.powers,
        state: state?.state ?? 'active', changedAt: state?.changedAt ?? null, changedBy: state?.changedBy ?? null, reason: state?.reason ?? null,
        health: seen === undefined ? 'unknown' : seen.stale ? `${seen.row.status} (stale)` : seen.row.status,
        lastSuccessAt: seen?.row.lastSuccessAt ?? null, lastErrorAt: seen?.row.lastErrorAt ?? null,
        lastErrorCode: seen?.row.lastErrorCode ?? null, latencyMs: seen?.row.latencyMs ?? null, reportedBy: seen?.row.replica ?? null,
        ...(documents === undefined ? {} : { documentsIndexed: documents }),
      };
    }));
    printResult(io, o.json, rows, table(['CONNECTOR', 'TYPE', 'STATE', 'HEALTH', 'LAST SUCCESS', 'LAST ERROR', 'LATENCY', 'POWERS', 'OWNER'],
      rows.map((r) => [
        r.name, r.type, r.state, r.health, r.lastSuccessAt ?? '-', r.lastErrorAt === null ? '-' : `${r.lastErrorAt} ${r.lastErrorCode ?? ''}`.trim(),
        r.latencyMs === null ? '-' : `${r.latencyMs.toFixed(1)} ms`, r.powers.join(','), r.owner,
      ])));
    return EXIT_OK;
  });
}

function setState(io: Io, state: 'active' | 'paused') {
  return (o: ConnectorOptions): Promise<number> => withAdmin(o.config, async (ctx) => {
    const name = o.args[0] ?? '';
    declared(ctx, name);
    const changedAt = new Date().toISOString();
    await ctx.store.setConnectorState({ connector: name, state, changedAt, changedBy: operatorName(), reason: o.reason ?? null });
    await ctx.recordAdmin(state === 'paused' ? 'connector_pause' : 'connector_resume', { status: 'ok', connector: name, target: name });
    printResult(io, o.json, { name, state, changedAt }, `Connector ${name} is now ${state}; effective on the next call.`);
    return EXIT_OK;
  });
}

export const connectorPause = (io: Io) => setState(io, 'paused');
export const connectorResume = (io: Io) => setState(io, 'active');
