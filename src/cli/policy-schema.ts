/** `gatehouse policy schema`: print the Cedar schema generated from the configuration. */
import { loadConfig, type Config } from '../config/load.js';
import { GatehouseError } from '../errors/catalog.js';
import { buildCedarSchema } from '../policy/cedar-schema.js';
import { EXIT_OK, EXIT_USAGE, type Io } from './io.js';

export interface PolicySchemaOptions {
  readonly config: Config;
  readonly json?: boolean;
}

/** Print the schema (Cedar text; `--json` wraps it as `{ "schema": text }`). Exit 2 if it cannot be built. */
export async function policySchema(options: PolicySchemaOptions, io: Io): Promise<number> {
  let text: string;
  try {
    text = buildCedarSchema(options.config).text;
  } catch (err) {
    if (!(err instanceof GatehouseError)) throw err;
    if (options.json) io.out(`${JSON.stringify({ error: { code: err.code, message: err.message } }, null, 2)}\n`);
    else io.err(`gatehouse: ${err.code}: ${err.message}\n`);
    return EXIT_USAGE;
  }
  io.out(options.json ? `${JSON.stringify({ schema: text }, null, 2)}\n` : text);
  return EXIT_OK;
}

/** Adapter for the commander wiring in main.ts. */
export function policySchemaCommand(io: Io) {
  return (o: { readonly config: string; readonly json?: boolean }): Promise<number> => policySchema({ config: loadConfig(o.config), json: o.json }, io);
}
