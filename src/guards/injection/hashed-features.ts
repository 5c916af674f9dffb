/**
 * Features of the injection model, by feature hashing: words, word pairs and character 4-grams of
 * a folded text (fold-text.ts), each hashed into one of 2^FEATURE_BITS slots, counted, damped with
 * log(1 + count) and scaled to unit length. Hashing needs no vocabulary file and costs the same for
 * any language; the training script (scripts/train-injection.mjs) and the detector both call this
 * module, so what the model learned and what it reads are the same features by construction.
 *
 * One FeatureAccumulator is reused for every segment (no allocation per call); it is not shared
 * between concurrent scans, which cannot happen in one synchronous detect().
 */

/**
 * Fewer words than this and the model does not judge a segment: a label, a key or a lone code
 * token carries too little to call it an instruction (the rules still look at it).
 */
export const MIN_WORDS_TO_SCORE = 3;

/** The hashing space: 2^18 slots. The weight file is laid out for exactly this. */
export const FEATURE_BITS = 18;
export const FEATURE_COUNT = 1 << FEATURE_BITS;
const MASK = FEATURE_COUNT - 1;

const WORD_SEED = 0x9e3779b1;
const PAIR_SEED = 0x85ebca6b;
const GRAM_SEED = 0xc2b2ae35;

/** murmur3's 32-bit finaliser: spreads every input bit over the slot index. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Letters, digits and everything outside ASCII punctuation count as word characters. */
function isWordChar(code: number): boolean {
  if (code < 128) return (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || code === 95;
  return !(code >= 0x2000 && code <= 0x206f) && !(code >= 0x3000 && code <= 0x303f) && !(code >= 0xff00 && code <= 0xff0f);
}

/** A sparse, unit-length feature vector: slot indices and their values. */
export interface SparseVector {
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

/** Counts hashed features of one or more texts, then scores or exports them. */
export class FeatureAccumulator {
  private readonly counts = new Float32Array(FEATURE_COUNT);
  private touched = new Int32Array(1024);
  private touchedCount = 0;

  private bump(slot: number): void {
    if (this.counts[slot] === 0) {
      if (this.touchedCount === this.touched.length) {
        const grown = new Int32Array(this.touched.length * 2);
        grown.set(this.touched);
        this.touched = grown;
      }
      this.touched[this.touchedCount++] = slot;
    }
    this.counts[slot] = (this.counts[slot] ?? 0) + 1;
  }

  /** Adds the features of `folded` (a folded text) to the counts; returns its number of words. */
  add(folded: string): number {
    let words = 0;
    let word = 0x811c9dc5;
    let wordLength = 0;
    let previousWord = 0;
    let gram = 0;
    const flushWord = (): void => {
      if (wordLength === 0) return;
      words++;
      const w = mix(word ^ WORD_SEED);
      this.bump(w & MASK);
      if (previousWord !== 0) this.bump(mix(Math.imul(previousWord, 31) ^ w ^ PAIR_SEED) & MASK);
      previousWord = w;
      word = 0x811c9dc5;
      wordLength = 0;
    };
    for (let i = 0; i < folded.length; i++) {
      const code = folded.charCodeAt(i);
      // The last four characters, one byte each (code units beyond 255 fold onto a byte).
      gram = ((gram << 8) | ((code ^ (code >>> 8)) & 0xff)) >>> 0;
      if (i >= 3) this.bump(mix(gram ^ GRAM_SEED) & MASK);
      if (isWordChar(code)) {
        word = Math.imul(word ^ code, 0x01000193);
        wordLength++;
      } else {
        flushWord();
      }
    }
    flushWord();
    return words;
  }

  /** Sum over the counted slots of weight × damped count, divided by the vector's length. */
  score(weights: Float32Array): number {
    let dot = 0;
    let norm = 0;
    for (let k = 0; k < this.touchedCount; k++) {
      const slot = this.touched[k] as number;
      const value = Math.log1p(this.counts[slot] as number);
      norm += value * value;
      dot += value * (weights[slot] as number);
    }
    return norm === 0 ? 0 : dot / Math.sqrt(norm);
  }

  /** The damped, unit-length vector of what was counted (for training). */
  vector(): SparseVector {
    const indices = new Int32Array(this.touched.subarray(0, this.touchedCount)).sort();
    const values = new Float32Array(indices.length);
    let norm = 0;
    for (let k = 0; k < indices.length; k++) {
      const value = Math.log1p(this.counts[indices[k] as number] as number);
      values[k] = value;
      norm += value * value;
    }
    const scale = norm === 0 ? 0 : 1 / Math.sqrt(norm);
    for (let k = 0; k < values.length; k++) values[k] = (values[k] as number) * scale;
    return { indices, values };
  }

  /** Forgets the counts; cost is proportional to what was counted, not to the slot space. */
  reset(): void {
    for (let k = 0; k < this.touchedCount; k++) this.counts[this.touched[k] as number] = 0;
    this.touchedCount = 0;
  }
}
