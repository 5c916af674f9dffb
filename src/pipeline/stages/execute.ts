import type { Stage } from '../stage.js';

/**
 * Step 9: run the authorized operation. The connector gets a `mayAccess` check so every item it
 * returns (search hits, rows) is decided by the same policy engine; an engine error fails the call.
 */
export const execute: Stage = {
  name: 'execute',
  async run(ctx, runtime) {
    const tool = ctx.tool!;
    ctx.result = await tool.connector.execute(tool.operation.name, ctx.arguments, {
      caller: ctx.caller,
      signal: ctx.signal,
      mayAccess: (resource, action) => runtime.authorizer.authorize({
        caller: ctx.caller, action, connector: tool.facts, resource, tool: tool.name, operation: tool.operation.name,
      }).allowed,
    });
  },
};
