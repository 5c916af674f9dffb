#!/usr/bin/env node
// Trains the injection model shipped in models/injection/model.json from the TRAIN split of the
// labelled injection data (../shared/datasets/injection.jsonl; never copied into the repo). The
// eval split is never read here. Deterministic: same data, same weights, byte for byte.
//
// Usage: npx tsc -p tsconfig.json && node scripts/train-injection.mjs [--dataset PATH] [--out PATH]
//
// What it learns from:
// - every segment (line or sentence, the unit the detector scores) of every benign text, as a
//   negative;
// - for an attack planted into a known clean context (BIPIA rows with a clean twin), the segments
//   that the clean twin does not have: the planted text itself (base64-hidden ones decoded, as
//   the detector decodes them);
// - for every other attack, after a first round, its highest-scoring segment (multiple-instance
//   learning: one segment of an attack text carries the attack; the rest may be ordinary text).
// The decision threshold is chosen on a held-out fifth of the train groups, so that benign
// documentation stays under a 2% flag rate, then the model is refitted on all train rows.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const DATASET = option('--dataset', join(ROOT, '..', 'shared', 'datasets', 'injection.jsonl'));
const OUT = option('--out', join(ROOT, 'models', 'injection', 'model.json'));
const DIST = join(ROOT, 'dist', 'src', 'guards', 'injection');
const load = (file) => import(pathToFileURL(join(DIST, file)).href);

const { foldText } = await load('fold-text.js');
const { splitSegments } = await load('segments.js');
const { FeatureAccumulator, FEATURE_BITS, FEATURE_COUNT, MIN_WORDS_TO_SCORE } = await load('hashed-features.js');
const { decodedPayloads } = await load('encoded-payloads.js');

const EPOCHS = 12;
const L2 = 1e-3;
const LEARNING_RATE = 0.5;
const HARD_NEGATIVE_FPR_CAP = 0.02;
const BENIGN_FPR_CAP = 0.02;
const BENIGN_SEGMENT_FPR_CAP = 0.002;

/** mulberry32: a small seeded generator, so shuffles are reproducible. */
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const raw = readFileSync(DATASET, 'utf8');
const rows = raw.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line)).filter((row) => row.split === 'train');
const accumulator = new FeatureAccumulator();
function vectorOf(foldedParts) {
  accumulator.reset();
  for (const part of foldedParts) accumulator.add(part);
  return accumulator.vector();
}
/** The folded segments the detector would score (those with enough words). */
function segmentTexts(text) {
  return splitSegments(text)
    .map((s) => foldText(text.slice(s.start, s.end)))
    .filter((folded) => {
      accumulator.reset();
      return accumulator.add(folded) >= MIN_WORDS_TO_SCORE;
    });
}

/** The clean twin of a BIPIA attack row: bipia-email-tr0-Attack-2-end -> bipia-email-clean-tr0. */
function cleanTwinId(id) {
  const m = /^bipia-(\w+)-((?:tr|te)\d+)-/.exec(id);
  if (m !== null) return `bipia-${m[1]}-clean-${m[2]}`;
  const whois = /^garak-whois-injected-(\d+)$/.exec(id);
  return whois === null ? undefined : `garak-whois-clean-${whois[1]}`;
}
/** Rows sharing a group are held out together: a BIPIA context with its attacks, else the row. */
function groupOf(row) {
  const m = /^bipia-(\w+)-(?:clean-)?((?:tr|te)\d+)/.exec(row.id);
  return m === null ? row.id : `bipia-${m[1]}-${m[2]}`;
}

const byId = new Map(rows.map((row) => [row.id, row]));

/**
 * Vectors of what was planted into a clean twin: the text between the longest common prefix and
 * the longest common suffix of the two, cut into segments (decoded when hidden in base64).
 */
function plantedSegments(text, twinText) {
  let prefix = 0;
  const limit = Math.min(text.length, twinText.length);
  while (prefix < limit && text[prefix] === twinText[prefix]) prefix++;
  let suffix = 0;
  while (suffix < limit - prefix && text[text.length - 1 - suffix] === twinText[twinText.length - 1 - suffix]) suffix++;
  const planted = text.slice(prefix, text.length - suffix);
  return splitSegments(planted).flatMap((s) => {
    const segment = planted.slice(s.start, s.end);
    const decoded = decodedPayloads(segment).payloads.flatMap((p) => segmentTexts(p.text));
    const parts = decoded.length > 0 ? decoded : segmentTexts(segment);
    return parts.length > 0 ? [vectorOf(parts)] : [];
  });
}

/**
 * Text that is certainly not an injection, from the other labelled files' train rows: source code
 * and configuration (secrets.jsonl), business sentences and documentation (pii.jsonl), and the
 * PII rows rendered as the JSON records a CRM connector returns. Tool output is mostly like this,
 * and a model that never saw code or JSON as benign would flag it.
 */
function extraNegatives() {
  const read = (name) => {
    const path = join(dirname(DATASET), name);
    if (!existsSync(path)) return [];
    return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l)).filter((row) => row.split === 'train');
  };
  const texts = [];
  for (const row of read('secrets.jsonl')) texts.push({ id: `secrets:${row.id}`, text: row.text });
  for (const row of read('pii.jsonl')) {
    texts.push({ id: `pii:${row.id}`, text: row.text });
    if (row.label.length === 0) continue;
    const record = { id: row.id, note: row.text };
    for (const span of row.label) record[span.type.toLowerCase()] = row.text.slice(span.start, span.end);
    texts.push({ id: `pii-json:${row.id}`, text: JSON.stringify(record, null, 2) });
  }
  return texts;
}

/** Each training example: { vector | candidates, label, group }; candidates form a bag. */
function buildExamples() {
  const examples = [];
  for (const extra of extraNegatives()) {
    for (const segment of segmentTexts(extra.text)) examples.push({ vector: vectorOf([segment]), label: 0, group: extra.id });
  }
  for (const row of rows) {
    const group = groupOf(row);
    const segments = segmentTexts(row.text);
    if (!row.label) {
      for (const segment of segments) examples.push({ vector: vectorOf([segment]), label: 0, group });
      continue;
    }
    const twin = byId.get(cleanTwinId(row.id) ?? '');
    // Only the planted words are positive: the rest of the text is its clean twin, a negative;
    // learning it as positive would teach the model the context, not the attack.
    const bag = twin === undefined ? segments.map((segment) => vectorOf([segment])) : plantedSegments(row.text, twin.text);
    if (bag.length === 1) examples.push({ vector: bag[0], label: 1, group });
    else if (bag.length > 1) examples.push({ candidates: bag, label: 1, group });
  }
  return examples;
}

function dot(weights, vector) {
  let sum = 0;
  for (let k = 0; k < vector.indices.length; k++) sum += weights[vector.indices[k]] * vector.values[k];
  return sum;
}
const sigmoid = (z) => 1 / (1 + Math.exp(-Math.max(-30, Math.min(30, z))));

/** Logistic regression by AdaGrad over sparse vectors, classes weighted to balance. */
function fit(examples, seed) {
  const weights = new Float64Array(FEATURE_COUNT);
  const squares = new Float64Array(FEATURE_COUNT).fill(1e-8);
  let bias = 0;
  let biasSquare = 1e-8;
  const positives = examples.filter((e) => e.label === 1).length;
  const classWeight = [examples.length / (2 * (examples.length - positives)), examples.length / (2 * positives)];
  const random = generator(seed);
  const order = examples.map((_, i) => i);
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const index of order) {
      const example = examples[index];
      const vector = example.vector;
      const gradient = (sigmoid(bias + dot(weights, vector)) - example.label) * classWeight[example.label];
      for (let k = 0; k < vector.indices.length; k++) {
        const slot = vector.indices[k];
        const g = gradient * vector.values[k] + L2 * weights[slot];
        squares[slot] += g * g;
        weights[slot] -= (LEARNING_RATE * g) / Math.sqrt(squares[slot]);
      }
      biasSquare += gradient * gradient;
      bias -= (LEARNING_RATE * gradient) / Math.sqrt(biasSquare);
    }
  }
  return { weights, bias };
}

/** Two rounds: the second adds each multi-segment attack's best-scoring segment as a positive. */
function train(examples, seed) {
  const plain = examples.filter((e) => e.vector !== undefined);
  const first = fit(plain, seed);
  const chosen = examples
    .filter((e) => e.candidates !== undefined)
    .map((e) => {
      let best = e.candidates[0];
      for (const candidate of e.candidates) if (dot(first.weights, candidate) > dot(first.weights, best)) best = candidate;
      return { ...e, vector: best, candidates: undefined };
    });
  return fit([...plain, ...chosen], seed + 1);
}

/** Text-level probability as the detector computes it: the highest over its segments. */
function textProbability(model, row) {
  const segments = segmentTexts(row.text);
  const decoded = decodedPayloads(row.text).payloads.flatMap((p) => segmentTexts(p.text));
  let best = 0;
  for (const segment of [...segments, ...decoded]) best = Math.max(best, sigmoid(model.bias + dot(model.weights, vectorOf([segment]))));
  return best;
}

/**
 * The threshold for held-out rows: the best F0.5 (precision counts twice) among those that flag
 * at most 2% of benign texts and of hard negatives, and at most 0.2% of benign segments (a
 * document of ten lines is then flagged about 2% of the time). In use most content is benign, so a false
 * alarm costs more than the F1 on this attack-heavy data says; ties go to the higher threshold.
 */
function chooseThreshold(model, heldOut, heldOutBenignSegments) {
  const segmentScores = heldOutBenignSegments.map((e) => sigmoid(model.bias + dot(model.weights, e.vector)));
  const scored = heldOut.map((row) => ({ p: textProbability(model, row), label: row.label, hard: row.category.includes('hard') }));
  const hardCount = scored.filter((s) => s.hard).length;
  let best = { threshold: 0.5, f1: 0, fHalf: -1 };
  for (let t = 0.3; t <= 0.995; t += 0.005) {
    let tp = 0, fp = 0, fn = 0, hardFp = 0, negatives = 0;
    for (const s of scored) {
      const flagged = s.p >= t;
      if (flagged && s.label) tp++;
      else if (flagged) { fp++; if (s.hard) hardFp++; }
      else if (s.label) fn++;
      if (!s.label) negatives++;
    }
    if (fp / Math.max(1, negatives) > BENIGN_FPR_CAP) continue;
    const segmentFp = segmentScores.filter((p) => p >= t).length;
    if (segmentFp / Math.max(1, segmentScores.length) > BENIGN_SEGMENT_FPR_CAP) continue;
    const f1 = (2 * tp) / (2 * tp + fp + fn);
    // F0.5 weighs precision twice as much as recall.
    const fHalf = (1.25 * tp) / (1.25 * tp + 0.25 * fn + fp);
    if (hardFp / Math.max(1, hardCount) <= HARD_NEGATIVE_FPR_CAP && fHalf >= best.fHalf) {
      best = { threshold: Number(t.toFixed(3)), f1, fHalf, hardFpr: hardFp / Math.max(1, hardCount) };
    }
  }
  return best;
}

const random = generator(20261201);
const examples = buildExamples();
const groups = [...new Set(examples.map((e) => e.group))].sort();
const heldOutGroups = new Set(groups.filter(() => random() < 0.2));
// The benign segments of one whole source (the PII file's sentences, documentation and records) are
// kept from the tuning model too: the segment cap is then measured on text of a kind the model has
// not seen, as most of what the gateway reads will be.
const unseenSource = (group) => group.startsWith('pii:') || group.startsWith('pii-json:');
const tuningModel = train(examples.filter((e) => !heldOutGroups.has(e.group) && !unseenSource(e.group)), 7);
const chosen = chooseThreshold(
  tuningModel,
  rows.filter((row) => heldOutGroups.has(groupOf(row))),
  examples.filter((e) => e.label === 0 && (heldOutGroups.has(e.group) || unseenSource(e.group))),
);
const model = train(examples, 7);

// int8 quantisation with one scale: 256 KiB, and a score change far below the threshold margin.
let largest = 0;
for (const w of model.weights) largest = Math.max(largest, Math.abs(w));
const scale = largest / 127;
const bytes = new Int8Array(FEATURE_COUNT);
for (let i = 0; i < FEATURE_COUNT; i++) bytes[i] = Math.round(model.weights[i] / scale);

const file = {
  format: 'gatehouse-injection-logreg-v1',
  featureBits: FEATURE_BITS,
  bias: Number(model.bias.toFixed(6)),
  threshold: chosen.threshold,
  weightScale: scale,
  weights: Buffer.from(bytes.buffer).toString('base64'),
  training: {
    script: 'scripts/train-injection.mjs',
    dataset: 'shared/datasets/injection.jsonl, split "train" only',
    datasetSha256: createHash('sha256').update(raw).digest('hex'),
    trainRows: rows.length,
    examples: examples.length,
    epochs: EPOCHS,
    heldOutGroups: heldOutGroups.size,
    heldOutF1: Number(chosen.f1.toFixed(4)),
    heldOutHardNegativeFpr: Number((chosen.hardFpr ?? 0).toFixed(4)),
  },
};
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, `${JSON.stringify(file)}\n`);
process.stdout.write(`trained on ${rows.length} train rows (${examples.length} examples); threshold ${chosen.threshold} (held-out F1 ${chosen.f1.toFixed(3)}, hard-negative FPR ${(chosen.hardFpr ?? 0).toFixed(3)}); wrote ${OUT}\n`);
