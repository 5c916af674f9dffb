/**
 * The webhook signature, in the common `t=…,v1=…` form (as Stripe signs its events):
 *
 *   X-Gatehouse-Signature: t=<unix seconds>,v1=<hex HMAC-SHA-256(secret, "<t>.<raw body>")>
 *
 * A receiver recomputes the HMAC over the timestamp, a dot and the exact body bytes, compares in
 * constant time, and refuses timestamps outside its tolerance (replays). Each retry is signed anew
 * with its own timestamp; the Idempotency-Key header stays the same across retries of one call.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The signature header, `t=<unix>,v1=<hex>` (lower case, as Node presents incoming headers). */
export const SIGNATURE_HEADER = 'x-gatehouse-signature';
/** One key per call, the same on every retry of it. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** The hex HMAC-SHA-256 of `<timestamp>.<body>`. */
export function signatureOf(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** The header value for `body` signed at `timestamp` (unix seconds). */
export function signatureHeader(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${signatureOf(secret, timestamp, body)}`;
}

/** What verifying a signature found. */
export type SignatureCheck = 'valid' | 'malformed' | 'mismatch' | 'expired';

/**
 * Verify a header as a receiver would: any `v1` may match (several during a key rotation) and the
 * timestamp must be within `toleranceSeconds` of `now`.
 */
export function verifySignature(secret: string, header: string, body: string, options: { now?: number; toleranceSeconds?: number } = {}): SignatureCheck {
  const parts = header.split(',').map((p) => p.trim().split('='));
  const t = parts.find(([k]) => k === 't')?.[1];
  const candidates = parts.filter(([k, v]) => k === 'v1' && v !== undefined && /^[0-9a-f]{64}$/.test(v)).map(([, v]) => v ?? '');
  if (t === undefined || !/^\d{1,12}$/.test(t) || candidates.length === 0) return 'malformed';
  const timestamp = Number(t);
  const expected = Buffer.from(signatureOf(secret, timestamp, body), 'hex');
  if (!candidates.some((c) => timingSafeEqual(Buffer.from(c, 'hex'), expected))) return 'mismatch';
  const now = options.now ?? Math.floor(Date.now() / 1000);
  return Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300) ? 'expired' : 'valid';
}
