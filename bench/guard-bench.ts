/**
 * What the output guard adds to a call, by result size, with a connector's default settings (PII
 * flagged, secrets redacted, injection flagged, images checked, limits checked):
 *
 *   npm run build && node dist/bench/guard-bench.js [--runs 5] [--calls 200]
 *
 * Results are ordinary business text (ticket-like records, with an e-mail address and a phone
 * number every few records, as CRM results carry), in both forms a connector returns: the text for
 * the model and the same records as structured content. Reported per size: the median over runs of
 * the per-call p50 and p99 of `inspectOutput`, the same of JSON.stringify of the result (what the
 * server does with every result anyway) as the reference, and the guard's MB/s over the text.
 */
import { parseArgs } from 'node:util';
import type { OperationResult } from '../src/connectors/connector.js';
import { createGuardEngine } from '../src/guards/guard-engine.js';
import { integerOption } from './bench-options.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, calls: { type: 'string', default: '200' } } });
const RUNS = integerOption('runs', values.runs, 1, 100);
const CALLS = integerOption('calls', values.calls, 1, 100_000);
const out = (line: string) => process.stdout.write(`${line}\n`);

const SUBJECTS = ['Invoice shows the wrong VAT number', 'SSO login loops back to the start page', 'Export to CSV times out',
  'Webhook deliveries delayed since Monday', 'How do I add a second admin?', 'Charged twice for the March renewal'];

function recordsOfSize(bytes: number): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; JSON.stringify(rows).length < bytes; i++) {
    rows.push({
      id: 1000 + i, status: i % 3 === 0 ? 'open' : 'pending', subject: SUBJECTS[i % SUBJECTS.length],
      description: i % 4 === 0
        ? `Customer asked us to call back on +44 20 7946 ${String(1000 + (i % 9000)).padStart(4, '0')} or write to user${i}@customer.example.`
        : 'The customer reports the problem started after the last release; logs attached to the ticket.',
    });
  }
  return rows;
}

function resultOf(rows: Record<string, unknown>[]): OperationResult {
  const text = rows.map((r) => `#${String(r.id)} [${String(r.status)}] ${String(r.subject)}\n${String(r.description)}`).join('\n\n');
  return { text, structured: { rows }, summary: `${rows.length} rows`, provenance: [] };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}
function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

function time(fn: () => void): { p50: number; p99: number } {
  const samples: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99) };
}

const engine = createGuardEngine([{ name: 'crm' }]);
out(`output guard per call — default settings, ${RUNS} runs × ${CALLS} calls, medians over runs`);
out('| result size | guard p50 / p99 | JSON.stringify p50 / p99 | guard ÷ stringify | guard MB/s |');
out('|---|---|---|---|---|');
for (const size of [1_000, 10_000, 100_000]) {
  const result = resultOf(recordsOfSize(size));
  const guards: { p50: number; p99: number }[] = [];
  const plain: { p50: number; p99: number }[] = [];
  engine.inspectOutput('crm', 'crm_query', result); // warm up
  for (let run = 0; run < RUNS; run++) {
    guards.push(time(() => engine.inspectOutput('crm', 'crm_query', result)));
    plain.push(time(() => JSON.stringify({ content: [{ type: 'text', text: result.text }], structuredContent: result.structured })));
  }
  const g50 = median(guards.map((t) => t.p50));
  const g99 = median(guards.map((t) => t.p99));
  const s50 = median(plain.map((t) => t.p50));
  const s99 = median(plain.map((t) => t.p99));
  const bytes = Buffer.byteLength(result.text) + Buffer.byteLength(JSON.stringify(result.structured));
  out(`| ${(size / 1000).toFixed(0)} KB (${bytes} bytes scanned) | ${(g50 * 1000).toFixed(0)} / ${(g99 * 1000).toFixed(0)} µs | ${(s50 * 1000).toFixed(1)} / ${(s99 * 1000).toFixed(1)} µs | ${(g50 / s50).toFixed(0)}× | ${(bytes / 1e6 / (g50 / 1000)).toFixed(1)} |`);
}
