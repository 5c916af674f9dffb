import { GatehouseError } from '../../errors/catalog.js';
import type { Stage } from '../stage.js';

/** Step 2: map the tool name to a connector operation. Unknown names are refused. */
export const resolveTool: Stage = {
  name: 'resolve-tool',
  run(ctx, runtime) {
    const tool = runtime.tools.get(ctx.toolName);
    // Hidden operations exist only for calls the gateway makes for people (rollback, and its approval).
    if (tool === undefined || (tool.operation.hidden === true && ctx.internal === undefined && ctx.approval?.operation !== tool.operation.name)) {
      throw new GatehouseError('TOOL_UNKNOWN', `There is no tool named "${ctx.toolName.slice(0, 64)}".`);
    }
    ctx.tool = tool;
  },
};
