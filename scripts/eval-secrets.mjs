#!/usr/bin/env node
// Scores the secrets detector on the labelled developer set (../shared/datasets/secrets.jsonl
// from the repo root; never copied into the repo) and measures its throughput on one core.
//
// Usage: npx tsc -p tsconfig.json && node scripts/eval-secrets.mjs [--split eval|train] [--errors] [--no-bench]
//   --split   rows to score (default eval; tune on train only)
//   --errors  list the misclassified rows (train split only: eval errors are not for tuning)
//   --no-bench skip the throughput runs (dense: the split's rows; ordinary: benign code rows and the
//              prose of the sibling pii.jsonl and injection.jsonl when present)
//
// Text-level scoring: a row is predicted positive when the detector returns any finding.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DATASET = process.env.SECRETS_DATASET ?? join(ROOT, '..', 'shared', 'datasets', 'secrets.jsonl');
const DETECTOR = join(ROOT, 'dist', 'src', 'guards', 'secrets', 'secrets-detector.js');
const BENCH_SECONDS = 2;

const args = process.argv.slice(2);
const split = args.includes('--split') ? args[args.indexOf('--split') + 1] : 'eval';
const showErrors = args.includes('--errors');
const bench = !args.includes('--no-bench');

if (!existsSync(DATASET)) {
  process.stdout.write(`secrets eval: no dataset at ${DATASET}; nothing to score (set SECRETS_DATASET to point at secrets.jsonl).\n`);
  process.exit(0);
}
if (!existsSync(DETECTOR)) {
  process.stderr.write(`secrets eval: ${DETECTOR} is missing; build first: npx tsc -p tsconfig.json\n`);
  process.exit(1);
}
if (split !== 'eval' && split !== 'train') {
  process.stderr.write('secrets eval: --split must be eval or train\n');
  process.exit(2);
}
if (showErrors && split !== 'train') {
  process.stderr.write('secrets eval: --errors lists rows of the train split only (tune on train, report eval)\n');
  process.exit(2);
}

const { createSecretsDetector } = await import(pathToFileURL(DETECTOR).href);
const detector = createSecretsDetector();
const rows = readFileSync(DATASET, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line))
  .filter((row) => row.split === split);

/** Category groups of the breakdown. */
function groupOf(category) {
  if (category.startsWith('rule_np.')) return 'rule_* (noseyparker)';
  if (category.startsWith('rule_')) return 'rule_* (gitleaks)';
  if (category.startsWith('plugin_') || category.startsWith('file_')) return 'plugin_*/file_* (detect-secrets)';
  return category;
}

const total = { tp: 0, fp: 0, fn: 0, tn: 0 };
const groups = new Map();
const kinds = new Map();
const errors = [];
for (const row of rows) {
  const findings = detector.detect(row.text);
  const predicted = findings.length > 0;
  const cell = row.label ? (predicted ? 'tp' : 'fn') : predicted ? 'fp' : 'tn';
  total[cell]++;
  const g = groupOf(row.category);
  const counts = groups.get(g) ?? { tp: 0, fp: 0, fn: 0, tn: 0 };
  counts[cell]++;
  groups.set(g, counts);
  if (cell === 'tp') for (const f of findings) kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
  if (cell === 'fp' || cell === 'fn') errors.push({ cell, row, findings });
}

const ratio = (a, b) => (b === 0 ? NaN : a / b);
const fmt = (x) => (Number.isNaN(x) ? '   -  ' : x.toFixed(3).padStart(6));
const precision = ratio(total.tp, total.tp + total.fp);
const recall = ratio(total.tp, total.tp + total.fn);
const f1 = (2 * precision * recall) / (precision + recall);
const fpr = ratio(total.fp, total.fp + total.tn);

const out = [];
out.push(`secrets detector on split "${split}" (${rows.length} rows: ${total.tp + total.fn} positive, ${total.fp + total.tn} negative)`);
out.push('');
out.push('| metric | value |');
out.push('|---|---|');
out.push(`| precision | ${fmt(precision)} |`);
out.push(`| recall | ${fmt(recall)} |`);
out.push(`| F1 | ${fmt(f1)} |`);
out.push(`| FPR (negatives) | ${fmt(fpr)} |`);
out.push(`| TP / FN / FP / TN | ${total.tp} / ${total.fn} / ${total.fp} / ${total.tn} |`);
out.push('');
out.push('| category group | rows | positives found (recall) | negatives flagged (FPR) |');
out.push('|---|---|---|---|');
for (const [g, c] of [...groups.entries()].sort()) {
  const pos = c.tp + c.fn;
  const neg = c.fp + c.tn;
  const rec = pos > 0 ? `${c.tp}/${pos} (${ratio(c.tp, pos).toFixed(3)})` : '-';
  const neg_ = neg > 0 ? `${c.fp}/${neg} (${ratio(c.fp, neg).toFixed(3)})` : '-';
  out.push(`| ${g} | ${pos + neg} | ${rec} | ${neg_} |`);
}
out.push('');
out.push(`kinds on true positives: ${[...kinds.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ')}`);

/** MB/s of the detector over `texts`, run repeatedly for BENCH_SECONDS after one warm-up pass. */
function throughput(texts) {
  const bytesPerPass = texts.reduce((n, t) => n + Buffer.byteLength(t, 'utf8'), 0);
  for (const t of texts) detector.detect(t);
  let passes = 0;
  const started = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < BENCH_SECONDS) {
    for (const t of texts) detector.detect(t);
    passes++;
    elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  }
  return { mbps: (bytesPerPass * passes) / 1e6 / elapsed, bytesPerPass, passes, elapsed };
}

/** Texts of a sibling data set (ordinary prose without credentials), when it is there. */
function siblingTexts(name) {
  const path = join(dirname(DATASET), name);
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l).text).filter((t) => typeof t === 'string');
}

if (bench) {
  // Dense: every row of the split is a credential or a near miss. Ordinary: source code without
  // credentials (the benign_code rows of the whole file) and prose from the PII and injection sets.
  const all = readFileSync(DATASET, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
  const sets = [
    [`split "${split}" rows (dense)`, rows.map((r) => r.text)],
    ['benign code (ordinary)', all.filter((r) => r.category === 'benign_code').map((r) => r.text)],
    ['pii.jsonl prose (ordinary)', siblingTexts('pii.jsonl')],
    ['injection.jsonl prose (ordinary)', siblingTexts('injection.jsonl')],
  ];
  out.push('');
  out.push('| throughput, one core | MB/s | data |');
  out.push('|---|---|---|');
  for (const [label, texts] of sets) {
    if (texts.length === 0) continue;
    const t = throughput(texts);
    out.push(`| ${label} | ${t.mbps.toFixed(1)} | ${t.passes} passes over ${(t.bytesPerPass / 1e3).toFixed(1)} kB in ${t.elapsed.toFixed(2)} s |`);
  }
  out.push('(MB = 10^6 bytes of UTF-8)');
}

if (showErrors) {
  out.push('');
  for (const { cell, row, findings } of errors) {
    const seen = findings.map((f) => `${f.kind}@${f.confidence}:${JSON.stringify(row.text.slice(f.start, f.end)).slice(0, 60)}`).join(' ');
    out.push(`${cell.toUpperCase()} ${row.id} [${row.category}] ${seen} :: ${JSON.stringify(row.text.slice(0, 160))}`);
  }
}
process.stdout.write(`${out.join('\n')}\n`);
