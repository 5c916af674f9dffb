/**
 * A small line-based unified diff, for showing an administrator how an upstream tool definition
 * changed since it was pinned. Longest-common-subsequence over lines; inputs too large for that
 * are shown as a whole replacement rather than diffed slowly.
 */

/** Largest old × new line product diffed line by line. */
const MAX_CELLS = 4_000_000;

type Op = { readonly kind: ' ' | '-' | '+'; readonly line: string };

function lineOps(a: readonly string[], b: readonly string[]): Op[] {
  if (a.length * b.length > MAX_CELLS) {
    return [...a.map((line) => ({ kind: '-' as const, line })), ...b.map((line) => ({ kind: '+' as const, line }))];
  }
  // lcs[i][j] = length of the LCS of a[i..] and b[j..], as one flat array.
  const width = b.length + 1;
  const lcs = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i -= 1) {
    for (let j = b.length - 1; j >= 0; j -= 1) {
      lcs[i * width + j] = a[i] === b[j]
        ? (lcs[(i + 1) * width + j + 1] ?? 0) + 1
        : Math.max(lcs[(i + 1) * width + j] ?? 0, lcs[i * width + j + 1] ?? 0);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i] ?? '' });
      i += 1;
      j += 1;
    } else if ((lcs[(i + 1) * width + j] ?? 0) >= (lcs[i * width + j + 1] ?? 0)) {
      ops.push({ kind: '-', line: a[i] ?? '' });
      i += 1;
    } else {
      ops.push({ kind: '+', line: b[j] ?? '' });
      j += 1;
    }
  }
  for (; i < a.length; i += 1) ops.push({ kind: '-', line: a[i] ?? '' });
  for (; j < b.length; j += 1) ops.push({ kind: '+', line: b[j] ?? '' });
  return ops;
}

function splitLines(text: string): string[] {
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}

/**
 * A unified diff of two texts with `context` lines around each change, headed by `---`/`+++`
 * labels. Empty when the texts are equal.
 */
export function unifiedDiff(before: string, after: string, labels: { from: string; to: string }, context = 3): string {
  if (before === after) return '';
  const ops = lineOps(splitLines(before), splitLines(after));
  const out = [`--- ${labels.from}`, `+++ ${labels.to}`];
  // Positions in the old and new text before each op, 1-based, for the hunk headers.
  const oldAt: number[] = [];
  const newAt: number[] = [];
  let o = 1;
  let n = 1;
  for (const op of ops) {
    oldAt.push(o);
    newAt.push(n);
    if (op.kind !== '+') o += 1;
    if (op.kind !== '-') n += 1;
  }
  let k = 0;
  while (k < ops.length) {
    if (ops[k]?.kind === ' ') {
      k += 1;
      continue;
    }
    const start = Math.max(0, k - context);
    let end = k;
    // Extend the hunk while the next change is within 2 × context unchanged lines.
    for (let gap = 0; end < ops.length && gap <= 2 * context; end += 1) gap = ops[end]?.kind === ' ' ? gap + 1 : 0;
    while (end > k && ops[end - 1]?.kind === ' ') end -= 1;
    end = Math.min(ops.length, end + context);
    const hunk = ops.slice(start, end);
    const oldCount = hunk.filter((op) => op.kind !== '+').length;
    const newCount = hunk.filter((op) => op.kind !== '-').length;
    const oldStart = oldCount === 0 ? (oldAt[start] ?? 1) - 1 : oldAt[start] ?? 1;
    const newStart = newCount === 0 ? (newAt[start] ?? 1) - 1 : newAt[start] ?? 1;
    out.push(`@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`);
    for (const op of hunk) out.push(`${op.kind}${op.line}`);
    k = end;
  }
  return `${out.join('\n')}\n`;
}
