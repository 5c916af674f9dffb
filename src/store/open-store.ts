import type { Store } from './store.js';

/**
 * Open the store named by a config `store` URL. The PostgreSQL driver is loaded only when used,
 * so the embedded default never pays for it.
 */
export async function openStore(url: string): Promise<Store> {
  if (url.startsWith('sqlite:')) {
    const { openSqliteStore } = await import('./sqlite/sqlite-store.js');
    return openSqliteStore(url.slice('sqlite:'.length));
  }
  const { openPostgresStore } = await import('./postgres/postgres-store.js');
  return openPostgresStore(url);
}
