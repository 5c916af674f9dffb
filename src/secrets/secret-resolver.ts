/**
 * How connectors obtain credential values. Environment secrets resolve to their load-time value;
 * store secrets (`${secret:NAME}`) are read from the encrypted secrets store and may change while
 * the gateway runs (rotation), so connectors resolve them when they (re)connect or per request,
 * never once at startup only.
 */
import type { Secret } from '../config/secret.js';

export interface SecretResolver {
  /** The current value. Throws GatehouseError('SECRET_UNAVAILABLE') if it cannot be had. */
  resolve(secret: Secret): Promise<string>;
}
