/** `gatehouse audit verify|tail|show|export`: adapters from CLI options to the audit commands. */
import { loadConfig } from '../config/load.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { auditExport } from './audit-export.js';
import { auditShow } from './audit-show.js';
import { auditTail } from './audit-tail.js';
import { auditVerify } from './audit-verify.js';
import type { Io } from './io.js';

interface AuditOptions {
  readonly config: string;
  readonly args: readonly string[];
  readonly json?: boolean;
  readonly file?: string;
  readonly publicKey?: string;
  readonly lines?: string;
  readonly format?: 'jsonl';
  readonly out?: string;
}

async function withStore(configFile: string, fn: (store: Store) => Promise<number>): Promise<number> {
  const store = await openStore(loadConfig(configFile).store);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export function auditVerifyCommand(io: Io) {
  return async (o: AuditOptions): Promise<number> => {
    const common = { json: o.json === true, ...(o.publicKey === undefined ? {} : { publicKeyFile: o.publicKey }) };
    // An export verifies offline: no configuration or store is needed.
    if (o.file !== undefined) return auditVerify({ ...common, file: o.file }, io);
    return withStore(o.config, (store) => auditVerify({ ...common, store }, io));
  };
}

export function auditTailCommand(io: Io) {
  return (o: AuditOptions): Promise<number> => withStore(o.config, (store) => auditTail({ store, json: o.json === true, limit: Number(o.lines ?? 20) }, io));
}

export function auditShowCommand(io: Io) {
  return (o: AuditOptions): Promise<number> => withStore(o.config, (store) => auditShow({ store, json: o.json === true, id: o.args[0] ?? '' }, io));
}

export function auditExportCommand(io: Io) {
  return (o: AuditOptions): Promise<number> => withStore(o.config, (store) =>
    auditExport({ store, format: o.format ?? 'jsonl', ...(o.out === undefined ? {} : { output: o.out }), json: o.json === true }, io));
}
