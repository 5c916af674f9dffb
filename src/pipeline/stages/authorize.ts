import { GatehouseError } from '../../errors/catalog.js';
import type { Stage } from '../stage.js';

/**
 * Step 6: the policy decision. Deny by default; a denial names the policy that decided (or says
 * that none permits) and what access to ask for.
 */
export const authorize: Stage = {
  name: 'authorize',
  run(ctx, runtime) {
    const tool = ctx.tool!;
    const resource = ctx.resource!;
    const action = tool.operation.power;
    const decision = runtime.authorizer.authorize({
      caller: ctx.caller, action, connector: tool.facts, resource, tool: tool.name, operation: tool.operation.name,
    });
    ctx.decision = decision;
    if (decision.allowed) return;
    const what = resource.type === 'Connector' ? `connector "${resource.id}"` : `${resource.type} "${resource.id}"`;
    const who = ctx.caller.user === undefined ? `Agent "${ctx.caller.agent.name}"` : `Agent "${ctx.caller.agent.name}" acting for "${ctx.caller.user.id}"`;
    const problem = decision.policyIds.length > 0
      ? `${who} may not ${action} ${what}: forbidden by policy ${decision.policyIds.map((id) => `"${id}"`).join(', ')}${decision.reason ? ` (${decision.reason})` : ''}.`
      : `${who} may not ${action} ${what}: no policy permits it (deny by default). To get access, ask ${tool.facts.owner} for a policy permitting action "${action}" on connector "${tool.facts.name}".`;
    throw new GatehouseError('POLICY_DENIED', problem, { policies: decision.policyIds, action, connector: tool.facts.name });
  },
};
