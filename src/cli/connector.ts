/** `gatehouse connector list|pause|resume`. Pause and resume take effect on the next call, on every replica. */
import { GatehouseError } from '../errors/catalog.js';
import { operatorName, printResult, table, withAdmin, type AdminContext } from './admin-context.js';
import { EXIT_OK, type Io } from './io.js';

interface ConnectorOptions {
  readonly config: string;
  readonly args: readonly string[];
  readonly json?: boolean;
  readonly reason?: string;
}

function declared(ctx: AdminContext, name: string): void {
  if (!ctx.config.connectors.some((c) => c.name === name)) {
    throw new GatehouseError('CONNECTOR_UNKNOWN', `Connector "${name}" is not declared in ${ctx.config.file}.`, { connector: name });
  }
}

export function connectorList(io: Io) {
  return (o: ConnectorOptions): Promise<number> => withAdmin(o.config, async (ctx) => {
    const states = new Map((await ctx.store.listConnectorStates()).map((s) => [s.connector, s]));
    const rows = await Promise.all(ctx.config.connectors.map(async (c) => {
      const state = states.get(c.name);
      const documents = c.type === 'files' ? (await ctx.store.listDocuments(c.name)).length : undefined;
      return {
        name: c.name, type: c.type, owner: c.owner, purpose: c.purpose, powers: c.powers,
        state: state?.state ?? 'active', changedAt: state?.changedAt ?? null, changedBy: state?.changedBy ?? null, reason: state?.reason ?? null,
        ...(documents === undefined ? {} : { documentsIndexed: documents }),
      };
    }));
    printResult(io, o.json, rows, table(['CONNECTOR', 'TYPE', 'STATE', 'POWERS', 'OWNER', 'INDEXED'],
      rows.map((r) => [r.name, r.type, r.state, r.powers.join(','), r.owner, String(r.documentsIndexed ?? '-')])));
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
