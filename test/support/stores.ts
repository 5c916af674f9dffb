/**
 * Test stores: every test that needs a store gets a fresh, real one of the kind under test.
 * `GATEHOUSE_TEST_STORE=sqlite` (default) uses a new SQLite file; `postgres` uses a new schema
 * in the PostgreSQL database at GATEHOUSE_TEST_PG_URL (default 127.0.0.1:5432/test).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore } from '../../src/store/open-store.js';
import type { Store, StoreKind } from '../../src/store/store.js';

export const TEST_STORE_KIND: StoreKind = process.env.GATEHOUSE_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';
export const TEST_PG_URL = process.env.GATEHOUSE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestStore {
  readonly store: Store;
  /** The store URL, as it would appear in gatehouse.yaml. */
  readonly url: string;
  /** Close the store and remove its file or schema. */
  cleanup(): Promise<void>;
}

/** A store URL for a new, empty store of the kind under test. */
export function freshStoreUrl(kind: StoreKind = TEST_STORE_KIND): { url: string; drop: () => Promise<void> } {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
    return { url: `sqlite:${join(dir, 'gatehouse.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const schema = `gh_test_${randomBytes(6).toString('hex')}`;
  const url = `${TEST_PG_URL}?schema=${schema}`;
  return {
    url,
    drop: async () => {
      const client = new pg.Client({ connectionString: TEST_PG_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Open a fresh, migrated store of the kind under test. */
export async function openTestStore(kind: StoreKind = TEST_STORE_KIND): Promise<TestStore> {
  const { url, drop } = freshStoreUrl(kind);
  const store = await openStore(url);
  return {
    store,
    url,
    cleanup: async () => {
      await store.close();
      await drop();
    },
  };
}
