/**
 * `gatehouse audit verify [--file EXPORT] [--public-key PEM]`: recompute the hash chain and the
 * checkpoint signatures, from the store or offline from an export file, and name the first
 * edited, deleted, inserted or reordered record.
 */
import { readFileSync } from 'node:fs';
import { parsePublicKeyPem, type AuditPublicKey } from '../audit/audit-keys.js';
import { verifyAuditExport } from '../audit/audit-export.js';
import { verifyStore, type VerifyReport } from '../audit/verifier.js';
import { GatehouseError } from '../errors/catalog.js';
import type { Store } from '../store/store.js';
import { printable } from './audit-show.js';
import { EXIT_CHECK_FAILED, EXIT_OK, EXIT_USAGE, type Io } from './io.js';

/** Options of `audit verify`. */
export interface AuditVerifyOptions {
  /** The store to verify; not needed (and not opened by the caller) with `file`. */
  readonly store?: Store;
  readonly json: boolean;
  /** An export file to verify offline instead of the store. */
  readonly file?: string;
  /** Trust only this Ed25519 public key (SPKI PEM) for checkpoints, not the keys in the store or file. */
  readonly publicKeyFile?: string;
}

/** Verify the trail. Exit 0 intact, 1 tampering found, 2 usage (bad file, bad key, nothing to verify). */
export async function auditVerify(options: AuditVerifyOptions, io: Io): Promise<number> {
  const fail = (err: GatehouseError, exit: number): number => {
    if (options.json) io.out(`${JSON.stringify({ ok: false, error: { code: err.code, message: err.message } })}\n`);
    else io.err(`error ${err.code}: ${err.message}\n`);
    return exit;
  };
  try {
    const trustedKeys = options.publicKeyFile === undefined ? undefined : [readTrustedKey(options.publicKeyFile)];
    let report: VerifyReport;
    if (options.file !== undefined) report = await verifyAuditExport(options.file, trustedKeys === undefined ? {} : { trustedKeys });
    else if (options.store !== undefined) report = await verifyStore(options.store, trustedKeys === undefined ? {} : { trustedKeys });
    else throw new GatehouseError('USAGE', 'Nothing to verify: give a store or --file EXPORT.');
    if (options.json) io.out(`${JSON.stringify(report)}\n`);
    else io.out(describeReport(report, options.file));
    return report.ok ? EXIT_OK : EXIT_CHECK_FAILED;
  } catch (err) {
    if (err instanceof GatehouseError && err.code === 'USAGE') return fail(err, EXIT_USAGE);
    if (err instanceof GatehouseError && err.code === 'AUDIT_CHAIN_BROKEN') return fail(err, EXIT_CHECK_FAILED);
    throw err;
  }
}

function readTrustedKey(file: string): AuditPublicKey {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch {
    throw new GatehouseError('USAGE', `Cannot read the public key file ${file}.`);
  }
  const { keyId, publicKeyPem } = parsePublicKeyPem(pem);
  return { keyId, publicKeyPem };
}

/** Human-readable verdict. */
export function describeReport(report: VerifyReport, file?: string): string {
  const source = file === undefined ? 'store' : `export ${file}`;
  if (report.ok) {
    const unprotected = report.lastSeq - (report.latestCheckpointSeq ?? 0);
    const tail = unprotected > 0
      ? `\n${unprotected} record(s) after the latest checkpoint are protected by the hash chain only.`
      : '';
    return `Audit trail intact (${source}): ${report.recordsChecked} records, ${report.checkpointsChecked} checkpoints verified; ` +
      `head seq ${report.lastSeq} hash ${report.lastHash}.${tail}\n`;
  }
  const p = report.problem;
  if (p === undefined) return 'Audit trail verification failed.\n';
  const what = p.id === undefined ? `seq ${p.seq}` : `seq ${p.seq} (${printable(p.id)})`;
  return `AUDIT TRAIL ALTERED (${source}): ${p.kind.replace(/_/g, ' ')} at ${what}: ${printable(p.detail)}\n` +
    `${report.recordsChecked} records before it verified. Preserve the store and investigate from this record.\n`;
}
