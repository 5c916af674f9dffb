/**
 * Builds the connector for a config entry by its `type`. Adding a connector type means adding a
 * folder under connectors/ and a case here; the pipeline does not change.
 */
import type { ConnectorConfig } from '../config/load.js';
import type { Logger } from '../ops/logger.js';
import type { SecretResolver } from '../secrets/secret-resolver.js';
import type { Store } from '../store/store.js';
import type { Connector } from './connector.js';
import { createFilesConnector } from './files/files-connector.js';
import { createHttpConnector } from './http/http-connector.js';
import { createMcpConnector } from './mcp/mcp-connector.js';
import { createSqlConnector } from './sql/sql-connector.js';
import { createWebhookConnector } from './webhook/webhook-connector.js';

export interface ConnectorDeps {
  readonly store: Store;
  readonly log: Logger;
  /** Resolves `${env:NAME}` and `${secret:NAME}` credentials when a connector uses them. */
  readonly secrets: SecretResolver;
}

export function createConnector(config: ConnectorConfig, deps: ConnectorDeps): Connector {
  const { log } = deps;
  switch (config.type) {
    case 'files':
      return createFilesConnector(config, { store: deps.store, log });
    case 'sql':
      return createSqlConnector(config, { log, secrets: deps.secrets });
    case 'http':
      return createHttpConnector(config, { log, secrets: deps.secrets });
    case 'mcp':
      return createMcpConnector(config, { store: deps.store, log, secrets: deps.secrets });
    case 'webhook':
      return createWebhookConnector(config, { log, secrets: deps.secrets });
  }
}
