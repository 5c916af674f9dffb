import type { Stage } from '../stage.js';

/** Step 5: the resource the call acts on (a document, a record, the connector), for policy. */
export const resolveTarget: Stage = {
  name: 'resolve-target',
  async run(ctx) {
    const tool = ctx.tool!;
    ctx.resource = await tool.connector.target(tool.operation.name, ctx.arguments);
  },
};
