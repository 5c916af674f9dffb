import { GatehouseError } from '../../errors/catalog.js';
import type { Stage } from '../stage.js';

/**
 * Step 11: the guards look at the result before the agent sees it (and before it is hashed into
 * the audit record). Secrets are redacted unless the connector allows them, PII handled as
 * configured, suspected instructions delivered wrapped as untrusted data (or stripped, or the
 * result refused), outside images neutralised, and results over the size limits refused with
 * OUTPUT_TOO_LARGE. A write has already happened by now: refusing its result does not undo it.
 */
export const guardOutput: Stage = {
  name: 'guard-output',
  run(ctx, runtime) {
    const result = ctx.result;
    if (result === undefined) return;
    const tool = ctx.tool!;
    const inspection = runtime.guards.inspectOutput(tool.connector.name, tool.name, result);
    if (inspection.tallies.length > 0) (ctx.guards ??= []).push(...inspection.tallies);
    if (inspection.tooLarge !== undefined) {
      throw new GatehouseError('OUTPUT_TOO_LARGE', `The result of ${tool.name} is too large (${inspection.tooLarge}).`, { tool: tool.name });
    }
    if (inspection.blocked.length > 0) {
      throw new GatehouseError('GUARD_BLOCKED', `The result holds content this connector blocks: ${inspection.blocked.join(', ')}.`, { kinds: inspection.blocked });
    }
    ctx.result = inspection.result;
  },
};
