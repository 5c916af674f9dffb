/**
 * `gatehouse scan`: try the guards on sample text before turning them on. Reads standard input
 * (the whole of it as one text, or with --jsonl one JSON object with a string `text` field per
 * line) and prints one JSON line per input: each finding's detector, kind, span, confidence and
 * the action the guard settings would take, and the verdict. The settings are a connector's from
 * gatehouse.yaml (--connector), else the defaults. Only offsets are printed, never the text, so
 * the output can be shared. A bad line is reported on its own line and the rest still scanned;
 * the exit code is then 1.
 */
import { createInterface } from 'node:readline';
import { GatehouseError } from '../errors/catalog.js';
import { CONTENT_DETECTORS, resolveGuardSettings, type ContentDetector, type Direction } from '../guards/guard-config.js';
import { createGuardScanner } from '../guards/guard-scanner.js';
import { scanReport } from '../guards/scan-report.js';
import { loadConfig } from '../config/load.js';
import { EXIT_CHECK_FAILED, EXIT_OK, readLimited, type Io } from './io.js';

/** Largest input accepted: one plain text, or one JSON line. */
export const MAX_SCAN_INPUT = 64 * 1024 * 1024;

interface ScanOptions {
  readonly config: string;
  readonly detectors?: string;
  readonly jsonl?: boolean;
  readonly connector?: string;
  readonly direction?: string;
}

function parseDetectors(list: string | undefined): ContentDetector[] {
  if (list === undefined) return [...CONTENT_DETECTORS];
  const names = list.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const unknown = names.filter((n) => !(CONTENT_DETECTORS as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) {
    throw new GatehouseError('USAGE', `--detectors takes a comma-separated list of ${CONTENT_DETECTORS.join(', ')}${unknown.length > 0 ? `; unknown: ${unknown.join(', ')}` : ''}.`);
  }
  return names as ContentDetector[];
}

function settingsFor(o: ScanOptions) {
  if (o.connector === undefined) return resolveGuardSettings(undefined);
  const connector = loadConfig(o.config).connectors.find((c) => c.name === o.connector);
  if (connector === undefined) throw new GatehouseError('CONNECTOR_UNKNOWN', `No connector "${o.connector}" in ${o.config}.`);
  return resolveGuardSettings(connector.guards);
}

/** The scan command over `input` (standard input unless a test passes another stream). */
export function scanCommand(io: Io, input: NodeJS.ReadableStream = process.stdin) {
  return async (o: ScanOptions): Promise<number> => {
    const detectors = parseDetectors(o.detectors);
    const direction = (o.direction ?? 'output') as Direction;
    if (direction !== 'input' && direction !== 'output') throw new GatehouseError('USAGE', '--direction is input (tool arguments) or output (results).');
    const settings = settingsFor(o);
    const scanner = createGuardScanner(settings.injectionThreshold === undefined ? {} : { injectionThreshold: settings.injectionThreshold });
    const report = (text: string, id?: unknown) => {
      const { findings, verdict } = scanReport(scanner, settings, direction, detectors, text);
      io.out(`${JSON.stringify({
        ...(id === undefined ? {} : { id }),
        verdict,
        findings: findings.map((f) => ({ detector: f.detector, kind: f.kind, start: f.start, end: f.end, confidence: f.confidence, action: f.action })),
      })}\n`);
    };
    if (!o.jsonl) {
      const text = await readLimited(input, MAX_SCAN_INPUT, `Standard input is larger than ${MAX_SCAN_INPUT} bytes; split it, or use --jsonl with one text per line.`);
      report(text.toString('utf8'));
      return EXIT_OK;
    }
    let failed = false;
    let lineNumber = 0;
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      lineNumber++;
      if (line.trim() === '') continue;
      const problem = (what: string) => {
        failed = true;
        io.out(`${JSON.stringify({ line: lineNumber, error: `line ${lineNumber} ${what}; each line must be a JSON object with a string "text" field` })}\n`);
      };
      if (line.length > MAX_SCAN_INPUT) {
        problem(`is longer than ${MAX_SCAN_INPUT} characters`);
        continue;
      }
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch {
        problem('is not valid JSON');
        continue;
      }
      const text = (row as { text?: unknown } | null)?.text;
      if (typeof text !== 'string') {
        problem('has no string "text" field');
        continue;
      }
      const id = (row as { id?: unknown }).id;
      report(text, typeof id === 'string' || typeof id === 'number' ? id : lineNumber);
    }
    return failed ? EXIT_CHECK_FAILED : EXIT_OK;
  };
}
