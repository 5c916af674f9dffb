/**
 * A pipeline stage: one step of the request path. A stage either completes (possibly adding to the
 * context) or throws a GatehouseError, which stops the call. Stages never catch another stage's error.
 */
import type { Runtime } from '../main/runtime.js';
import type { CallContext } from './call-context.js';

export interface Stage {
  /** Short name, used in logs and the architecture diagram. */
  readonly name: string;
  run(ctx: CallContext, runtime: Runtime): Promise<void> | void;
}
