import { GatehouseError } from '../../errors/catalog.js';
import type { Stage } from '../stage.js';

/**
 * Step 3: arguments must match the tool's input schema. The error names the failing schema paths
 * and rules, never the values sent (they may carry data).
 */
export const validateArguments: Stage = {
  name: 'validate-arguments',
  run(ctx) {
    const tool = ctx.tool!;
    if (tool.validate(ctx.arguments)) return;
    const problems = (tool.validate.errors ?? []).slice(0, 5).map((e) => {
      const at = e.instancePath === '' ? '(arguments)' : e.instancePath.slice(1).replaceAll('/', '.');
      const extra = e.keyword === 'additionalProperties' ? ` "${String((e.params as { additionalProperty?: string }).additionalProperty).slice(0, 64)}"` : '';
      return `${at} ${e.message ?? e.keyword}${extra}`;
    });
    throw new GatehouseError('ARGUMENTS_INVALID', `Arguments for ${tool.name} are invalid: ${problems.join('; ')}.`, { tool: tool.name });
  },
};
