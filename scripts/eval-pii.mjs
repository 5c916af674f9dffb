#!/usr/bin/env node
// Scores the compiled PII detector on the shared labelled set and measures its throughput.
//
// Usage: npm run build && node scripts/eval-pii.mjs [--split eval|train|all] [--seconds 2]
//        [--errors] [--check]
//
// Data: ../shared/datasets/pii.jsonl relative to the repository root (never copied into the repo);
// when it is absent the script says so and exits 0. Rows carry `label: [{type, start, end}]` (UTF-16
// offsets) and `split`. Tune on `--split train`; report `--split eval` (the default).
//
// Scoring, per structured kind (EMAIL, PHONE, CREDIT_CARD, IBAN, US_SSN, IP_ADDRESS):
// - a labelled span is found when a finding of the same kind overlaps at least 50% of it (one
//   finding matches at most one span);
// - precision counts every finding of the kind that matched no span of that kind as a false
//   positive ("strict"). "lenient" precision does not count a finding that lies inside a span of a
//   kind we do not score (PERSON, ADDRESS, ZIP_CODE, DATE_TIME, US_DRIVER_LICENSE, ...), since
//   those rows label such numbers as something else; a finding on a span of another scored kind
//   (a PHONE on a CREDIT_CARD) is a false positive in both.
// - DATE_OF_BIRTH has no labels in this set: its findings are only counted.
// Negative rows (`label: []`) of the split are also reported on their own.
// Throughput: the detector(s) run over every text of the file, repeatedly for --seconds (≥ 2),
// single-threaded; MB/s is UTF-8 megabytes (10^6 bytes) per second, the mean over the run and the
// fastest single round (less disturbed by other load on the machine). A secrets detector found in
// dist/src/guards/secrets/ (an exported create…Detector() returning name 'secrets') is timed too.
// --errors prints the missed spans and false positives (use with --split train only when tuning).
// --check exits 1 when a structured kind misses precision 0.95 (strict) or recall 0.97.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DATA = join(ROOT, '..', 'shared', 'datasets', 'pii.jsonl');
const DETECTOR = join(ROOT, 'dist', 'src', 'guards', 'pii', 'pii-detector.js');
const SECRETS_DIR = join(ROOT, 'dist', 'src', 'guards', 'secrets');
const SCORED = ['EMAIL', 'PHONE', 'CREDIT_CARD', 'IBAN', 'US_SSN', 'IP_ADDRESS'];
const TARGET_PRECISION = 0.95;
const TARGET_RECALL = 0.97;
const out = (s) => process.stdout.write(`${s}\n`);

class UsageError extends Error {}

function parseArgs(argv) {
  const args = { split: 'eval', seconds: 2, errors: false, check: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--split') args.split = argv[++i];
    else if (a === '--seconds') args.seconds = Math.max(2, Number(argv[++i]));
    else if (a === '--errors') args.errors = true;
    else if (a === '--check') args.check = true;
    else throw new UsageError(`unknown argument ${a}`);
  }
  if (!['eval', 'train', 'all'].includes(args.split)) throw new UsageError('--split must be eval, train or all');
  return args;
}

const overlap = (a, b) => Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));

function scoreRow(row, findings, tally, errors) {
  const gold = row.label;
  const used = new Set();
  for (const g of gold) {
    if (!SCORED.includes(g.type)) continue;
    const t = tally[g.type];
    t.spans++;
    const hit = findings.findIndex((f, i) => !used.has(i) && f.kind === g.type && overlap(f, g) >= 0.5 * (g.end - g.start));
    if (hit === -1) {
      errors.push(`MISS ${g.type} ${JSON.stringify(row.text.slice(g.start, g.end))} in ${row.id}`);
      continue;
    }
    used.add(hit);
    t.tp++;
  }
  findings.forEach((f, i) => {
    if (used.has(i)) return;
    if (!SCORED.includes(f.kind)) {
      tally.other[f.kind] = (tally.other[f.kind] ?? 0) + 1;
      return;
    }
    const t = tally[f.kind];
    t.fp++;
    const inside = gold.find((g) => !SCORED.includes(g.type) && overlap(f, g) >= 0.5 * (f.end - f.start));
    if (inside) t.excused++;
    const where = inside ? ` (inside ${inside.type}: excused when lenient)` : '';
    errors.push(`FP   ${f.kind} ${JSON.stringify(row.text.slice(f.start, f.end))}${where} in ${row.id}`);
  });
}

function fmt(x) {
  return Number.isNaN(x) ? '  n/a' : x.toFixed(3);
}

function printTable(tally) {
  out('| kind | spans | found | recall | FP strict | precision strict | FP lenient | precision lenient | F1 strict | F1 lenient |');
  out('|---|---|---|---|---|---|---|---|---|---|');
  const rows = [...SCORED, 'ALL'];
  const sum = { spans: 0, tp: 0, fp: 0, excused: 0 };
  const verdicts = [];
  for (const kind of rows) {
    const t = kind === 'ALL' ? sum : tally[kind];
    if (kind !== 'ALL') for (const k of Object.keys(sum)) sum[k] += t[k];
    const recall = t.spans === 0 ? NaN : t.tp / t.spans;
    const ps = t.tp + t.fp === 0 ? NaN : t.tp / (t.tp + t.fp);
    const fpl = t.fp - t.excused;
    const pl = t.tp + fpl === 0 ? NaN : t.tp / (t.tp + fpl);
    const f1 = (p, r) => (p + r === 0 ? 0 : (2 * p * r) / (p + r));
    out(`| ${kind} | ${t.spans} | ${t.tp} | ${fmt(recall)} | ${t.fp} | ${fmt(ps)} | ${fpl} | ${fmt(pl)} | ${fmt(f1(ps, recall))} | ${fmt(f1(pl, recall))} |`);
    if (kind !== 'ALL') verdicts.push({ kind, measured: t.spans > 0, ok: !(recall < TARGET_RECALL) && !(ps < TARGET_PRECISION) });
  }
  return verdicts;
}

async function loadSecrets() {
  if (!existsSync(SECRETS_DIR)) return undefined;
  for (const name of readdirSync(SECRETS_DIR).filter((n) => n.endsWith('.js') && !n.endsWith('.test.js'))) {
    const mod = await import(pathToFileURL(join(SECRETS_DIR, name)).href);
    for (const [key, value] of Object.entries(mod)) {
      if (!/^create\w*Detector$/.test(key) || typeof value !== 'function') continue;
      try {
        const detector = value();
        if (detector?.name === 'secrets' && typeof detector.detect === 'function') return detector;
      } catch {
        // a factory that needs arguments is not the one we can time
      }
    }
  }
  return undefined;
}

function throughput(detectors, texts, seconds) {
  const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t, 'utf8'), 0);
  for (const t of texts) for (const d of detectors) d.detect(t); // warm-up
  let rounds = 0;
  let best = Infinity;
  const t0 = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < seconds) {
    const r0 = process.hrtime.bigint();
    for (const t of texts) for (const d of detectors) d.detect(t);
    best = Math.min(best, Number(process.hrtime.bigint() - r0) / 1e9);
    rounds++;
    elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  }
  return { mbps: (bytes * rounds) / 1e6 / elapsed, bestMbps: bytes / 1e6 / best, bytes, rounds, elapsed };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!existsSync(DATA)) {
    out(`eval-pii: no data set at ${DATA} (it lives in shared/, outside the repository); nothing to score.`);
    return 0;
  }
  if (!existsSync(DETECTOR)) {
    out(`eval-pii: ${DETECTOR} is missing; run \`npm run build\` first.`);
    return 1;
  }
  const { createPiiDetector } = await import(pathToFileURL(DETECTOR).href);
  const detector = createPiiDetector();
  const rows = readFileSync(DATA, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
  const picked = rows.filter((r) => args.split === 'all' || r.split === args.split);
  const tally = { other: {} };
  for (const k of SCORED) tally[k] = { spans: 0, tp: 0, fp: 0, excused: 0 };
  const errors = [];
  const negatives = { rows: 0, flagged: 0, findings: {} };
  for (const row of picked) {
    const findings = detector.detect(row.text);
    scoreRow(row, findings, tally, errors);
    if (row.label.length === 0) {
      negatives.rows++;
      if (findings.length > 0) negatives.flagged++;
      for (const f of findings) negatives.findings[f.kind] = (negatives.findings[f.kind] ?? 0) + 1;
    }
  }
  out(`PII detector on ${DATA} — split "${args.split}": ${picked.length} rows (${negatives.rows} with no PII)\n`);
  const verdicts = printTable(tally);
  const empty = SCORED.filter((k) => tally[k].spans === 0);
  if (empty.length > 0) out(`\nno labelled ${empty.join(', ')} spans in this split: recall and precision for them cannot be measured here (see --split all, which includes the rows tuned on)`);
  out('');
  out(`negative rows: ${negatives.rows}, with any finding: ${negatives.flagged} ${JSON.stringify(negatives.findings)}`);
  out(`unscored kinds found (no labels for them here): ${JSON.stringify(tally.other)}`);
  const texts = rows.map((r) => r.text);
  const pii = throughput([detector], texts, args.seconds);
  out(`\nthroughput, all ${texts.length} texts (${(pii.bytes / 1e6).toFixed(2)} MB) x ${pii.rounds} in ${pii.elapsed.toFixed(2)} s, one core:`);
  const rate = (t) => `${t.mbps.toFixed(1)} MB/s mean (fastest round ${t.bestMbps.toFixed(1)} MB/s)`;
  out(`  pii            ${rate(pii)}`);
  const secrets = await loadSecrets();
  if (secrets) out(`  pii + secrets  ${rate(throughput([detector, secrets], texts, args.seconds))}`);
  else out('  pii + secrets  (no secrets detector in dist/src/guards/secrets yet)');
  if (args.errors) out(`\n${errors.join('\n')}`);
  const failed = verdicts.filter((v) => !v.ok).map((v) => v.kind);
  const met = verdicts.filter((v) => v.ok && v.measured).map((v) => v.kind);
  const unmeasured = verdicts.filter((v) => !v.measured).map((v) => v.kind);
  out(`\ntargets (precision strict >= ${TARGET_PRECISION}, recall >= ${TARGET_RECALL}): met by ${met.join(', ') || 'none'}` +
    `${failed.length > 0 ? `; missed by ${failed.join(', ')}` : ''}${unmeasured.length > 0 ? `; not measurable here: ${unmeasured.join(', ')}` : ''}`);
  return args.check && failed.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`eval-pii: ${err instanceof UsageError ? err.message : (err?.stack ?? err)}\n`);
    process.exit(2);
  },
);
