import { GatehouseError } from '../../errors/catalog.js';
import type { Stage } from '../stage.js';

/**
 * Step 7: the guards look at the arguments before the call is gated or executed. Findings are
 * tallied for the audit record; arguments may be rewritten (redact, mask, strip), so what is held
 * for approval and what executes is the guarded form. A blocked kind refuses the call with
 * GUARD_BLOCKED; for write, draft and trigger calls, a URL, e-mail address or domain outside the
 * connector's allow-list refuses it with DESTINATION_NOT_ALLOWED. Runs again when an approved
 * request executes, like every stage.
 */
export const guardInput: Stage = {
  name: 'guard-input',
  run(ctx, runtime) {
    const tool = ctx.tool!;
    const inspection = runtime.guards.inspectInput(tool.connector.name, tool.operation.power, ctx.arguments);
    if (inspection.tallies.length > 0) (ctx.guards ??= []).push(...inspection.tallies);
    // A refused call is audited with what was refused redacted: a connector in `full` audit mode
    // must not keep the credential the guard stopped.
    if (inspection.blocked.length > 0 || inspection.refusedDestinations.length > 0) ctx.arguments = inspection.refusedArguments;
    if (inspection.blocked.length > 0) {
      throw new GatehouseError('GUARD_BLOCKED', `The arguments hold content this connector blocks: ${inspection.blocked.join(', ')}.`, { kinds: inspection.blocked });
    }
    if (inspection.refusedDestinations.length > 0) {
      // The destinations are named: the agent wrote them, and they are what the owner must allow.
      const named = inspection.refusedDestinations.slice(0, 5);
      throw new GatehouseError('DESTINATION_NOT_ALLOWED',
        `The arguments name ${inspection.refusedDestinations.length} destination(s) outside the allow-list of connector "${tool.connector.name}": ${named.join(', ')}.`,
        { destinations: named });
    }
    if (inspection.arguments !== ctx.arguments) ctx.arguments = inspection.arguments;
  },
};
