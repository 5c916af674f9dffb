/**
 * Builds the connector for a config entry by its `type`. Adding a connector type means adding a
 * folder under connectors/ and a case here; the pipeline does not change.
 */
import type { ConnectorConfig } from '../config/schema.js';
import type { Logger } from '../ops/logger.js';
import type { Store } from '../store/store.js';
import type { Connector } from './connector.js';
import { createFilesConnector } from './files/files-connector.js';

export interface ConnectorDeps {
  readonly store: Store;
  readonly log: Logger;
}

export function createConnector(config: ConnectorConfig, deps: ConnectorDeps): Connector {
  switch (config.type) {
    case 'files':
      return createFilesConnector(config, deps);
  }
}
