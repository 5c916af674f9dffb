/**
 * Column masks, applied to every value of a masked column on every path to the agent (query, get,
 * the results of writes, the raw sql tool). Pure. NULL stays NULL: a mask hides a value, not
 * whether there is one.
 *
 * - `partial`: an e-mail keeps its first character and its domain ("j***@example.com"); other text
 *   keeps its first character ("J***"); text of three characters or fewer becomes "***".
 * - `last4`: only the last four characters survive ("***1234"); shorter text becomes "***".
 * - `redact`: "***".
 */

export const MASK_KINDS = ['partial', 'last4', 'redact'] as const;
/** How a column is masked. */
export type MaskKind = (typeof MASK_KINDS)[number];

const HIDDEN = '***';

function text(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value) ?? '';
  return String(value);
}

/** Mask one value. */
export function maskValue(kind: MaskKind, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const s = text(value);
  switch (kind) {
    case 'redact':
      return HIDDEN;
    case 'last4':
      return s.length > 4 ? `${HIDDEN}${s.slice(-4)}` : HIDDEN;
    case 'partial': {
      const at = s.lastIndexOf('@');
      if (at > 0 && at < s.length - 1) return `${[...s][0] ?? ''}${HIDDEN}${s.slice(at)}`;
      return s.length > 3 ? `${[...s][0] ?? ''}${HIDDEN}` : HIDDEN;
    }
  }
}

/** A copy of `row` with its masked columns masked. */
export function maskRow(row: Readonly<Record<string, unknown>>, masks: ReadonlyMap<string, MaskKind>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...row };
  for (const [column, kind] of masks) if (column in out) out[column] = maskValue(kind, out[column]);
  return out;
}

/** Rows given as arrays, masked by position (`masks[i]` for column i; undefined leaves it). */
export function maskPositional(rows: readonly (readonly unknown[])[], masks: readonly (MaskKind | undefined)[]): unknown[][] {
  return rows.map((row) => row.map((value, i) => {
    const kind = masks[i];
    return kind === undefined ? value : maskValue(kind, value);
  }));
}
