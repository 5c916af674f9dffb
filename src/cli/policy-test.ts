/** `gatehouse policy test CASES.yaml`: run a case table through the real authorizer. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig, type Config } from '../config/load.js';
import { GatehouseError } from '../errors/catalog.js';
import { createCedarAuthorizer } from '../policy/cedar-authorizer.js';
import { parsePolicyCases, runPolicyCases, type CaseResult } from '../policy/policy-cases.js';
import { loadPolicies, PolicyLoadError } from '../policy/policy-loader.js';
import { EXIT_CHECK_FAILED, EXIT_OK, EXIT_USAGE, type Io } from './io.js';

export interface PolicyTestOptions {
  readonly config: Config;
  /** Path of the YAML case table. */
  readonly cases: string;
  readonly json?: boolean;
}

/** Machine-readable result of `policy test --json`. */
export interface PolicyTestResult {
  readonly passed: number;
  readonly failed: number;
  readonly results: readonly CaseResult[];
}

/**
 * Run every case. Exit 0 when all get their expected decision, 1 on any mismatch or when the policy
 * set is invalid, 2 when the case file or configuration is unusable.
 */
export async function policyTest(options: PolicyTestOptions, io: Io): Promise<number> {
  const fail = (code: number, err: GatehouseError, extra: Record<string, unknown> = {}) => {
    if (options.json) io.out(`${JSON.stringify({ error: { code: err.code, message: err.message }, ...extra }, null, 2)}\n`);
    else io.err(`gatehouse: ${err.code}: ${err.message}\n`);
    return code;
  };
  const file = resolve(options.cases);
  let results: CaseResult[];
  try {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new GatehouseError('USAGE', `Cannot read the policy case file ${file}.`, { file });
    }
    const cases = parsePolicyCases(text, file, options.config);
    const authorizer = createCedarAuthorizer(options.config, loadPolicies(options.config), { decisionCacheSize: 0 });
    results = runPolicyCases(cases, options.config, authorizer);
  } catch (err) {
    if (err instanceof PolicyLoadError) return fail(EXIT_CHECK_FAILED, err, { problems: err.problems });
    if (err instanceof GatehouseError) return fail(EXIT_USAGE, err);
    throw err;
  }
  const failed = results.filter((r) => !r.passed).length;
  const summary: PolicyTestResult = { passed: results.length - failed, failed, results };
  if (options.json) io.out(`${JSON.stringify(summary, null, 2)}\n`);
  else io.out(`${results.map(line).join('\n')}\n${summary.passed} passed, ${failed} failed\n`);
  return failed === 0 ? EXIT_OK : EXIT_CHECK_FAILED;
}

function line(r: CaseResult): string {
  const by = r.policyIds.length > 0 ? ` by ${r.policyIds.join(', ')}` : r.actual === 'deny' ? ' (no policy permits)' : '';
  if (r.passed) return `PASS  ${r.name}: ${r.actual}${by}`;
  if (r.actual === 'error') return `FAIL  ${r.name}: expected ${r.expected}, the policy engine failed: ${r.error ?? ''}`;
  return `FAIL  ${r.name}: expected ${r.expected}, got ${r.actual}${by}${r.reason ? ` (${r.reason})` : ''}`;
}

/** Adapter for the commander wiring in main.ts: the case file is the first argument. */
export function policyTestCommand(io: Io) {
  return (o: { readonly config: string; readonly args: readonly string[]; readonly json?: boolean }): Promise<number> =>
    policyTest({ config: loadConfig(o.config), cases: o.args[0] ?? '', json: o.json }, io);
}
