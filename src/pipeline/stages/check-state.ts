import { GatehouseError } from '../../errors/catalog.js';
import type { Stage } from '../stage.js';

/**
 * Step 4: the kill switch. The connector's run state is read from the store on every call, so a
 * pause on any replica or from the CLI stops the very next call everywhere.
 */
export const checkState: Stage = {
  name: 'check-state',
  async run(ctx, runtime) {
    const connector = ctx.tool!.connector.name;
    let state;
    try {
      state = await runtime.store.getConnectorState(connector);
    } catch (err) {
      throw new GatehouseError('STORE_UNAVAILABLE', 'The connector state could not be read, so the call was refused.', { connector }, { cause: err });
    }
    if (state?.state === 'paused') {
      throw new GatehouseError('CONNECTOR_PAUSED', `Connector "${connector}" is paused.`, { connector });
    }
  },
};
