#!/usr/bin/env node
// `npm run eval:guards`: every guard over the labelled developer set (../shared/datasets/, rows
// with split "eval"; never copied into the repo), through the same code path as `gatehouse scan`
// (createGuardScanner + scanReport, default guard settings), with the reference library
// (scripts/reference-guards.mjs, a devDependency) scored on the same rows, side by side.
//
// Usage: npm run eval:guards [-- --seconds 2] [--no-reference]
//
// Scoring:
// - injection: text level; a row is flagged when the injection guard reports any finding.
//   Precision, recall and F1 over all eval rows and over the indirect categories only (content an
//   agent retrieves, the gateway's case); false-positive rate on hard negatives (category contains
//   "hard") and on all benign rows; the flag rate of every category.
// - PII: span level, per structured kind; a labelled span is found when a finding of the same kind
//   overlaps it; a finding that overlaps no labelled span of its kind is a false positive. The eval
//   rows hold no EMAIL, US_SSN or IP_ADDRESS span, so those kinds are also scored over every row of
//   the file (marked "all rows"; the detectors are rules, not trained on the file).
// - secrets: text level, with the false-positive rate on scanner rules' near misses.
// - throughput: one core, UTF-8 MB/s (10^6 bytes) over all eval texts, the fastest of repeated
//   rounds for --seconds; PII + secrets are timed together, as the gateway runs them, on the PII
//   and secrets rows (dense with credentials and near misses) and on ordinary text (the benign
//   rows of the injection file).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DATA = process.env.GATEHOUSE_DATASETS ?? join(ROOT, '..', 'shared', 'datasets');
const args = process.argv.slice(2);
const SECONDS = args.includes('--seconds') ? Math.max(1, Number(args[args.indexOf('--seconds') + 1])) : 2;
const out = (s = '') => process.stdout.write(`${s}\n`);

const files = ['injection', 'pii', 'secrets'].map((name) => join(DATA, `${name}.jsonl`));
if (!files.every(existsSync)) {
  out(`eval:guards: the labelled data is not at ${DATA} (set GATEHOUSE_DATASETS); nothing to score.`);
  process.exit(0);
}
const dist = (path) => pathToFileURL(join(ROOT, 'dist', 'src', 'guards', path)).href;
const { createGuardScanner } = await import(dist('guard-scanner.js'));
const { scanReport } = await import(dist('scan-report.js'));
const { resolveGuardSettings } = await import(dist('guard-config.js'));
const reference = args.includes('--no-reference') ? null : await (await import('./reference-guards.mjs')).loadReferenceGuards();

const scanner = createGuardScanner();
const settings = resolveGuardSettings(undefined);
const findingsOf = (detectors, text) => scanReport(scanner, settings, 'output', detectors, text).findings;
const read = (file) => readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
const [injectionRows, piiRows, secretRows] = files.map(read);
const evalRows = (rows) => rows.filter((r) => r.split === 'eval');
const fmt = (x) => (Number.isFinite(x) ? x.toFixed(3) : '  -  ');
const pct = (x) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '-');

function prf({ tp, fp, fn }) {
  const p = tp / (tp + fp);
  const r = tp / (tp + fn);
  return { p, r, f1: (2 * p * r) / (p + r) };
}

/** Fastest single round, in UTF-8 MB/s, of `fn` over `texts`, repeated for SECONDS. */
function throughput(texts, fn) {
  const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
  let best = Infinity;
  const until = performance.now() + SECONDS * 1000;
  do {
    const start = performance.now();
    for (const t of texts) fn(t);
    best = Math.min(best, performance.now() - start);
  } while (performance.now() < until);
  return bytes / 1e6 / (best / 1000);
}
async function asyncThroughput(texts, fn) {
  const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
  const start = performance.now();
  for (const t of texts) await fn(t);
  return bytes / 1e6 / ((performance.now() - start) / 1000);
}

// ---------- injection ----------
async function scoreInjection(rows, flagged) {
  const total = { tp: 0, fp: 0, fn: 0 };
  const indirect = { tp: 0, fp: 0, fn: 0 };
  const categories = new Map();
  let hard = 0, hardFp = 0, benign = 0, benignFp = 0;
  for (const row of rows) {
    const y = await flagged(row.text);
    const c = categories.get(row.category) ?? { n: 0, flagged: 0, label: row.label };
    c.n++;
    if (y) c.flagged++;
    categories.set(row.category, c);
    const isIndirectScope = !row.label || row.category.startsWith('indirect');
    for (const t of isIndirectScope ? [total, indirect] : [total]) {
      if (row.label && y) t.tp++;
      else if (row.label) t.fn++;
      else if (y) t.fp++;
    }
    if (!row.label) {
      benign++;
      if (y) benignFp++;
      if (row.category.includes('hard')) {
        hard++;
        if (y) hardFp++;
      }
    }
  }
  return { all: prf(total), indirect: prf(indirect), hardFpr: hardFp / hard, benignFpr: benignFp / benign, categories };
}

out('# Gatehouse guards on the labelled developer set (split "eval")');
out(`reference library: ${reference ? `${reference.name} ${reference.version}` : 'not installed (npm install with dev dependencies)'}`);
const injEval = evalRows(injectionRows);
const ours = await scoreInjection(injEval, (t) => findingsOf(['injection'], t).length > 0);
const ref = reference?.injection ? await scoreInjection(injEval, reference.injection) : null;
const injTexts = injEval.map((r) => r.text);
const ourInjSpeed = throughput(injTexts, (t) => findingsOf(['injection'], t));
const refInjSpeed = reference?.injection ? await asyncThroughput(injTexts, reference.injection) : NaN;
out(`\n## Prompt injection (${injEval.length} rows; ${injEval.filter((r) => r.label).length} attacks; targets F1 >= 0.90, hard-negative FPR <= 3%, >= 5 MB/s)`);
out('| guard | P | R | F1 | indirect P / R / F1 | hard-negative FPR | benign FPR | MB/s |');
out('|---|---|---|---|---|---|---|---|');
for (const [name, s, speed] of [['Gatehouse', ours, ourInjSpeed], [reference?.name, ref, refInjSpeed]]) {
  if (s === null || name === undefined) continue;
  out(`| ${name} | ${fmt(s.all.p)} | ${fmt(s.all.r)} | **${fmt(s.all.f1)}** | ${fmt(s.indirect.p)} / ${fmt(s.indirect.r)} / ${fmt(s.indirect.f1)} | ${pct(s.hardFpr)} | ${pct(s.benignFpr)} | ${speed.toFixed(1)} |`);
}
out('\nflag rate by category (attacks: recall; benign: false-positive rate)');
out(`| category | rows | Gatehouse | ${reference?.name ?? 'reference'} |`);
out('|---|---|---|---|');
for (const [category, c] of [...ours.categories].sort(([a], [b]) => a.localeCompare(b))) {
  const r = ref?.categories.get(category);
  out(`| ${category}${c.label ? '' : ' (benign)'} | ${c.n} | ${pct(c.flagged / c.n)} | ${r ? pct(r.flagged / r.n) : '-'} |`);
}

// ---------- PII ----------
const SCORED = ['EMAIL', 'PHONE', 'CREDIT_CARD', 'IBAN', 'US_SSN', 'IP_ADDRESS'];
const overlaps = (a, b) => a.start < b.end && b.start < a.end;
async function scorePii(rows, spansOf) {
  const counts = Object.fromEntries(SCORED.map((k) => [k, { tp: 0, fp: 0, fn: 0, gold: 0 }]));
  for (const row of rows) {
    const found = (await spansOf(row.text)).filter((f) => SCORED.includes(f.type));
    for (const kind of SCORED) {
      const gold = row.label.filter((s) => s.type === kind);
      const mine = found.filter((f) => f.type === kind);
      counts[kind].gold += gold.length;
      for (const g of gold) {
        if (mine.some((m) => overlaps(m, g))) counts[kind].tp++;
        else counts[kind].fn++;
      }
      for (const m of mine) if (!gold.some((g) => overlaps(m, g))) counts[kind].fp++;
    }
  }
  return counts;
}
const ourPii = (t) => findingsOf(['pii'], t).map((f) => ({ type: f.kind, start: f.start, end: f.end }));
const piiEval = evalRows(piiRows);
out(`\n## PII (span level; targets precision >= 0.95, recall >= 0.97 on the structured kinds)`);
out(`| kind | rows scored | spans | Gatehouse P / R | ${reference?.name ?? 'reference'} P / R |`);
out('|---|---|---|---|---|');
const piiScores = { eval: [await scorePii(piiEval, ourPii), reference?.pii ? await scorePii(piiEval, reference.pii) : null] };
const allRowKinds = ['EMAIL', 'US_SSN', 'IP_ADDRESS'];
piiScores.all = [await scorePii(piiRows, ourPii), reference?.pii ? await scorePii(piiRows, reference.pii) : null];
for (const kind of SCORED) {
  const scope = allRowKinds.includes(kind) ? 'all' : 'eval';
  const [mine, theirs] = piiScores[scope];
  const show = (c) => (c ? `${fmt(c[kind].tp / (c[kind].tp + c[kind].fp))} / ${fmt(c[kind].tp / (c[kind].tp + c[kind].fn))}` : '-');
  out(`| ${kind} | ${scope === 'all' ? `all rows (${piiRows.length})` : `eval (${piiEval.length})`} | ${mine[kind].gold} | ${show(mine)} | ${show(theirs)} |`);
}
const piiNegatives = piiEval.filter((r) => r.label.length === 0);
const negFlagged = piiNegatives.filter((r) => ourPii(r.text).some((f) => SCORED.includes(f.type))).length;
out(`no-PII eval rows flagged by Gatehouse: ${negFlagged} of ${piiNegatives.length}`);

// ---------- secrets ----------
async function scoreSecrets(rows, found) {
  const t = { tp: 0, fp: 0, fn: 0 };
  let near = 0, nearFp = 0;
  for (const row of rows) {
    const y = await found(row.text);
    if (row.label && y) t.tp++;
    else if (row.label) t.fn++;
    else if (y) t.fp++;
    if (!row.label && row.category === 'near_miss') {
      near++;
      if (y) nearFp++;
    }
  }
  return { ...prf(t), nearFpr: nearFp / near, near };
}
const secEval = evalRows(secretRows);
const ourSec = await scoreSecrets(secEval, (t) => findingsOf(['secrets'], t).length > 0);
const refSec = reference?.secrets ? await scoreSecrets(secEval, reference.secrets) : null;
out(`\n## Secrets (text level, ${secEval.length} rows, ${secEval.filter((r) => r.label).length} with a credential; targets recall >= 0.95, precision >= 0.95)`);
out('| guard | P | R | F1 | near-miss FPR |');
out('|---|---|---|---|---|');
for (const [name, s] of [['Gatehouse', ourSec], [reference?.name, refSec]]) {
  if (s === null || name === undefined) continue;
  out(`| ${name} | ${fmt(s.p)} | **${fmt(s.r)}** | ${fmt(s.f1)} | ${pct(s.nearFpr)} (of ${s.near}) |`);
}

// ---------- throughput ----------
const dataTexts = [...piiEval, ...secEval].map((r) => r.text);
const both = throughput(dataTexts, (t) => findingsOf(['pii', 'secrets'], t));
const piiOnly = throughput(dataTexts, (t) => findingsOf(['pii'], t));
const secOnly = throughput(dataTexts, (t) => findingsOf(['secrets'], t));
const refBoth = reference?.pii && reference?.secrets
  ? await asyncThroughput(dataTexts, async (t) => { await reference.pii(t); await reference.secrets(t); }) : NaN;
// Ordinary text, as most tool output is: the benign rows of the injection file (e-mails, tables,
// business sentences, documentation), where credentials are rare.
const ordinary = injEval.filter((r) => !r.label).map((r) => r.text);
const ordinaryBoth = throughput(ordinary, (t) => findingsOf(['pii', 'secrets'], t));
out(`\n## Throughput (one core, fastest round over ${SECONDS} s; PII + secrets target >= 20 MB/s, injection >= 5 MB/s)`);
out('| guard | PII + secrets (PII and secrets eval rows) | PII | secrets | PII + secrets (ordinary text) | injection |');
out('|---|---|---|---|---|---|');
out(`| Gatehouse | **${both.toFixed(1)}** | ${piiOnly.toFixed(1)} | ${secOnly.toFixed(1)} | ${ordinaryBoth.toFixed(1)} | **${ourInjSpeed.toFixed(1)}** |`);
if (reference) out(`| ${reference.name} (one pass) | ${refBoth.toFixed(1)} | - | - | - | ${refInjSpeed.toFixed(1)} |`);
