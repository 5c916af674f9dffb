/** `gatehouse policy validate`: load every policy file and check the set against the schema. */
import { loadConfig, type Config } from '../config/load.js';
import { GatehouseError } from '../errors/catalog.js';
import { loadPolicies, PolicyLoadError, type PolicyProblem } from '../policy/policy-loader.js';
import { EXIT_CHECK_FAILED, EXIT_OK, EXIT_USAGE, type Io } from './io.js';

export interface PolicyValidateOptions {
  readonly config: Config;
  readonly json?: boolean;
}

/** Machine-readable result of `policy validate --json`. */
export interface PolicyValidateResult {
  readonly ok: boolean;
  readonly policies: number;
  readonly files: readonly string[];
  readonly warnings: readonly string[];
  readonly problems: readonly PolicyProblem[];
}

/**
 * Validate the policy set of `config`. Exit 0 when it would load, 1 when it would be refused (every
 * problem listed with file:line), 2 when the configuration itself is unusable.
 */
export async function policyValidate(options: PolicyValidateOptions, io: Io): Promise<number> {
  let result: PolicyValidateResult;
  try {
    const loaded = loadPolicies(options.config);
    result = { ok: true, policies: loaded.policies.length, files: loaded.files, warnings: loaded.warnings, problems: [] };
  } catch (err) {
    if (!(err instanceof PolicyLoadError)) return usage(err, io, options.json);
    result = { ok: false, policies: 0, files: [], warnings: [], problems: err.problems };
  }
  if (options.json) {
    io.out(`${JSON.stringify(result, null, 2)}\n`);
  } else if (result.ok) {
    io.out(`OK: ${result.policies} ${result.policies === 1 ? 'policy' : 'policies'} in ${result.files.length} file(s) are valid against the schema (strict).\n`);
    for (const w of result.warnings) io.err(`warning: ${w}\n`);
  } else {
    io.err(`${new PolicyLoadError(result.problems).message}\n`);
  }
  return result.ok ? EXIT_OK : EXIT_CHECK_FAILED;
}

/** Print a configuration or usage problem; exit 2. */
function usage(err: unknown, io: Io, json: boolean | undefined): number {
  if (!(err instanceof GatehouseError)) throw err;
  if (json) io.out(`${JSON.stringify({ ok: false, error: { code: err.code, message: err.message } }, null, 2)}\n`);
  else io.err(`gatehouse: ${err.code}: ${err.message}\n`);
  return EXIT_USAGE;
}

/** Adapter for the commander wiring in main.ts: options as parsed (`--config FILE`, `--json`). */
export function policyValidateCommand(io: Io) {
  return (o: { readonly config: string; readonly json?: boolean }): Promise<number> => policyValidate({ config: loadConfig(o.config), json: o.json }, io);
}
