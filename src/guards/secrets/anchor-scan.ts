/**
 * The one pass every scan starts with. It walks the text once and reports, for each anchor (a
 * literal of two or more ASCII characters), where it occurs; and it reports the long runs of token
 * characters (letters, digits, `_ + / . ~ -`), where values worth judging sit. Everything else the
 * detector does runs only at those places, so ordinary text with no anchor and no long run costs
 * one loop over its characters and a table look-up per character.
 *
 * Anchors are found through a table indexed by their first two characters; an anchor may be case
 * insensitive (letters only) and may require a word start (not preceded by a letter, digit or `_`).
 * Occurrences overlap freely; each costs a comparison of at most the anchor's length.
 */

/** A literal to report. `id` groups anchors: occurrences are reported per id. */
export interface Anchor {
  readonly id: number;
  readonly literal: string;
  readonly ignoreCase?: boolean;
  readonly wordStart?: boolean;
}

/** Where each anchor id occurs (ascending), and the long runs as [start, end) pairs. */
export interface ScanResult {
  /** Positions per anchor id; an id with no occurrence has no entry. */
  readonly hits: ReadonlyMap<number, readonly number[]>;
  /** Flat [start0, end0, start1, end1, …] of token runs of at least the table's minimum length. */
  readonly runs: readonly number[];
}

const WORD = 1;
const RUN = 2;
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9_]/.test(ch)) CLASS[c] = WORD | RUN;
  else if (/[+/.~-]/.test(ch)) CLASS[c] = RUN;
}

const NO_HITS: ReadonlyMap<number, readonly number[]> = new Map();

interface Entry {
  readonly id: number;
  /** The literal, lower-cased when case is ignored. */
  readonly literal: string;
  readonly ignoreCase: boolean;
  readonly wordStart: boolean;
}

function matchesAt(text: string, at: number, e: Entry): boolean {
  const lit = e.literal;
  if (at + lit.length > text.length) return false;
  // The first two characters were matched by the table.
  for (let k = 2; k < lit.length; k++) {
    let c = text.charCodeAt(at + k);
    if (e.ignoreCase && c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== lit.charCodeAt(k)) return false;
  }
  return true;
}

/** Spellings of the first two characters under which a case-insensitive anchor is filed. */
function casings(pair: string): string[] {
  const [a = '', b = ''] = [pair.charAt(0), pair.charAt(1)];
  const out = new Set<string>();
  for (const x of [a.toLowerCase(), a.toUpperCase()]) for (const y of [b.toLowerCase(), b.toUpperCase()]) out.add(x + y);
  return [...out];
}

/** A compiled set of anchors. Build once; {@link AnchorTable.scan} is pure. */
export class AnchorTable {
  /** Bucket number (0: none) per first two characters, `(c0 << 7) | c1`. */
  private readonly slots = new Uint16Array(1 << 14);
  /**
   * Per bucket, 128-bit masks of the third and the fourth characters its anchors accept (every
   * character where an anchor is shorter): eight 32-bit words per bucket.
   */
  private readonly masks: Int32Array;
  private readonly buckets: Entry[][] = [[]];

  /** `minRun`: the shortest token run reported. */
  constructor(
    anchors: readonly Anchor[],
    private readonly minRun = 16,
  ) {
    const masks: number[] = [0, 0, 0, 0, 0, 0, 0, 0];
    for (const a of anchors) {
      if (a.literal.length < 2 || !/^[\x20-\x7e]+$/.test(a.literal)) throw new TypeError(`anchor ${JSON.stringify(a.literal)}: two or more printable ASCII characters`);
      const ignoreCase = a.ignoreCase === true;
      const entry: Entry = { id: a.id, literal: ignoreCase ? a.literal.toLowerCase() : a.literal, ignoreCase, wordStart: a.wordStart === true };
      const pairs = ignoreCase ? casings(a.literal.slice(0, 2)) : [a.literal.slice(0, 2)];
      for (const pair of pairs) {
        const key = (pair.charCodeAt(0) << 7) | pair.charCodeAt(1);
        let slot = this.slots[key] ?? 0;
        if (slot === 0) {
          slot = this.buckets.length;
          this.buckets.push([]);
          masks.push(0, 0, 0, 0, 0, 0, 0, 0);
          this.slots[key] = slot;
        }
        this.buckets[slot]?.push(entry);
        for (const k of [2, 3]) {
          const ch = a.literal.charAt(k);
          const chars = ch === '' ? null : ignoreCase ? [ch.toLowerCase(), ch.toUpperCase()] : [ch];
          for (let w = 0; w < 4; w++) {
            let mask = 0;
            if (chars === null) mask = -1;
            else for (const x of chars) if (x.charCodeAt(0) >> 5 === w) mask |= 1 << (x.charCodeAt(0) & 31);
            const at = slot * 8 + (k - 2) * 4 + w;
            masks[at] = (masks[at] ?? 0) | mask;
          }
        }
      }
    }
    this.masks = Int32Array.from(masks);
  }

  /** Anchor occurrences and long token runs of `text`. */
  scan(text: string): ScanResult {
    let hits: Map<number, number[]> | undefined;
    const runs: number[] = [];
    const n = text.length;
    const minRun = this.minRun;
    const slots = this.slots;
    const masks = this.masks;
    let runStart = 0;
    // The pair looked up at i is (i - 1, i); `wordBefore` says whether i - 2 is a word character.
    let prev = 0;
    let wordBefore = false;
    let prevWord = false;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      let cls = WORD | RUN;
      // Lower-case letters, most of any text, take the short path.
      if (c < 0x61 || c > 0x7a) {
        cls = c < 128 ? (CLASS[c] as number) : 0;
        if ((cls & RUN) === 0) {
          if (i - runStart >= minRun) runs.push(runStart, i);
          runStart = i + 1;
          if (c >= 128) {
            prev = 0;
            wordBefore = prevWord;
            prevWord = false;
            continue;
          }
        }
      }
      const slot = slots[(prev << 7) | c] as number;
      if (slot !== 0) {
        const c2 = i + 1 < n ? text.charCodeAt(i + 1) : 0;
        const c3 = i + 2 < n ? text.charCodeAt(i + 2) : 0;
        if (
          (c2 >= 128 || ((masks[slot * 8 + (c2 >> 5)] as number) & (1 << (c2 & 31))) !== 0) &&
          (c3 >= 128 || ((masks[slot * 8 + 4 + (c3 >> 5)] as number) & (1 << (c3 & 31))) !== 0)
        ) {
          hits ??= new Map();
          this.visit(text, i - 1, slot, wordBefore, hits);
        }
      }
      prev = c;
      wordBefore = prevWord;
      prevWord = (cls & WORD) !== 0;
    }
    if (n - runStart >= minRun) runs.push(runStart, n);
    return { hits: hits ?? NO_HITS, runs };
  }

  private visit(text: string, at: number, slot: number, prevWord: boolean, hits: Map<number, number[]>): void {
    for (const e of this.buckets[slot] ?? []) {
      if ((e.wordStart && prevWord) || !matchesAt(text, at, e)) continue;
      const list = hits.get(e.id);
      if (list === undefined) hits.set(e.id, [at]);
      else if (list[list.length - 1] !== at) list.push(at);
    }
  }
}
