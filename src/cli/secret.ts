/**
 * `gatehouse secret set|list|delete`: connector credentials, encrypted at rest under the master key.
 *
 * The value of `secret set NAME` is read from standard input only: piped (one trailing newline is
 * stripped) or typed at a prompt with echo off when stdin is a terminal (asked twice). A value on
 * the command line is refused, because shell history and the process list would keep it. No output,
 * error or audit record of these commands contains a value; the audit trail records the name,
 * version and master key id of each change.
 */
import { GatehouseError } from '../errors/catalog.js';
import { findMasterKey, loadMasterKey, type MasterKey } from '../secrets/master-key.js';
import { MAX_SECRET_BYTES } from '../secrets/secret-box.js';
import { isSecretName, MAX_SECRET_NAME, SECRET_NAME, setStoreSecret } from '../secrets/store-secret-resolver.js';
import { printResult, table, withAdmin } from './admin-context.js';
import { EXIT_OK, readLimited, type Io } from './io.js';

interface SecretOptions {
  readonly config: string;
  /** Positional arguments, plus any unknown options on `secret set` (which are refused). */
  readonly args: readonly string[];
  readonly json?: boolean;
}

/** Where `secret set` reads the value from; process stdin unless a test provides another. */
export interface SecretInput {
  /** Whether input is an interactive terminal (then the value is typed at a hidden prompt). */
  readonly isTTY: boolean;
  /** Read all of a piped input, failing once it exceeds `limit` bytes. */
  readAll(limit: number): Promise<Buffer>;
  /** Show `prompt` on stderr and read one line with echo off. */
  readHidden(prompt: string, io: Io): Promise<string>;
}

/** The process's standard input. */
export const processSecretInput: SecretInput = {
  get isTTY() {
    return process.stdin.isTTY === true;
  },
  readAll: (limit) => readLimited(process.stdin, limit, `The value on standard input is larger than ${MAX_SECRET_BYTES} bytes.`),
  readHidden: (prompt, io) => readHidden(process.stdin, prompt, io),
};

const NAME_RULE = `Secret names match ${SECRET_NAME.source} and are at most ${MAX_SECRET_NAME} characters.`;

/** `secret set NAME`: encrypt the value from stdin and store it as a new version. */
export function secretSet(io: Io, input: SecretInput = processSecretInput) {
  return async (o: SecretOptions): Promise<number> => {
    if (o.args.length !== 1) {
      throw new GatehouseError('USAGE', '`secret set` takes the secret NAME only; it reads the value from standard input '
        + '(pipe it in, or type it at the hidden prompt). Values on the command line stay in shell history and the process list, '
        + 'so they are refused and nothing was stored.');
    }
    const name = nameArgument(o);
    return withAdmin(o.config, async (ctx) => {
      const key = loadMasterKey(ctx.config);
      const value = await readValue(input, io, name);
      const version = await setStoreSecret(ctx.store, key, name, value);
      await ctx.recordAdmin('secret_set', { status: 'ok', target: name, summary: `version ${version}, master key ${key.id}` });
      printResult(io, o.json, { name, version, keyId: key.id },
        `Secret ${name} set: version ${version}, master key ${key.id}. Running gateways pick it up within their cache time (5 s by default).`);
      return EXIT_OK;
    });
  };
}

/** `secret list`: names, versions, key ids and times; never values. */
export function secretList(io: Io) {
  return (o: SecretOptions): Promise<number> => withAdmin(o.config, async (ctx) => {
    const current = currentKey(ctx.config);
    const rows = (await ctx.store.listSecrets()).map((m) => ({
      name: m.name, version: m.version, keyId: m.keyId, createdAt: m.createdAt, updatedAt: m.updatedAt,
      // Whether the loaded master key sealed it; null when no master key is available here.
      currentKey: current === undefined ? null : m.keyId === current.id,
    }));
    printResult(io, o.json, rows, rows.length === 0 ? 'No secrets. Add one with `gatehouse secret set NAME` (value on stdin).'
      : table(['SECRET', 'VERSION', 'MASTER KEY', 'UPDATED'], rows.map((r) => [
        r.name, String(r.version), r.currentKey === false ? `${r.keyId} (not the loaded key)` : r.keyId, r.updatedAt,
      ])));
    return EXIT_OK;
  });
}

/** `secret delete NAME`: remove a secret; connectors using it fail with SECRET_UNAVAILABLE within one cache TTL. */
export function secretDelete(io: Io) {
  return async (o: SecretOptions): Promise<number> => {
    const name = nameArgument(o);
    return withAdmin(o.config, async (ctx) => {
      if (!(await ctx.store.deleteSecret(name))) {
        throw new GatehouseError('SECRET_NOT_FOUND', `Secret ${name} is not set.`, { secret: name });
      }
      await ctx.recordAdmin('secret_delete', { status: 'ok', target: name });
      printResult(io, o.json, { name, deleted: true }, `Secret ${name} deleted.`);
      return EXIT_OK;
    });
  };
}

/** The NAME argument, checked. An invalid name is not echoed: it may be a value typed in the wrong place. */
function nameArgument(o: SecretOptions): string {
  const name = o.args[0] ?? '';
  if (!isSecretName(name)) throw new GatehouseError('USAGE', NAME_RULE);
  return name;
}

/** The loaded master key for display, or undefined if none is usable here (listing needs no key). */
function currentKey(config: Parameters<typeof findMasterKey>[0]): MasterKey | undefined {
  try {
    return findMasterKey(config);
  } catch {
    return undefined;
  }
}

/** Read the value: hidden prompt (asked twice) on a terminal, else all of stdin minus one trailing newline. */
async function readValue(input: SecretInput, io: Io, name: string): Promise<string> {
  let value: string;
  if (input.isTTY) {
    value = await input.readHidden(`Value for secret ${name} (input hidden): `, io);
    if (value !== '' && value !== await input.readHidden('Repeat the value: ', io)) {
      throw new GatehouseError('USAGE', 'The two entries differ; nothing was stored.');
    }
  } else {
    const bytes = await input.readAll(MAX_SECRET_BYTES + 2);
    const end = bytes.at(-1) === 0x0a ? (bytes.at(-2) === 0x0d ? bytes.length - 2 : bytes.length - 1) : bytes.length;
    try {
      value = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end));
    } catch {
      throw new GatehouseError('USAGE', 'The value on standard input is not UTF-8 text; encode binary values (e.g. base64) first.');
    } finally {
      bytes.fill(0);
    }
  }
  if (value === '') {
    throw new GatehouseError('USAGE', `No value for secret ${name} on standard input; pipe it in, e.g. \`printf %s "$VALUE" | gatehouse secret set ${name}\`.`);
  }
  if (Buffer.byteLength(value, 'utf8') > MAX_SECRET_BYTES) {
    throw new GatehouseError('USAGE', `The value of secret ${name} is larger than ${MAX_SECRET_BYTES} bytes.`);
  }
  return value;
}


/** One line from a terminal in raw mode (no echo). Backspace edits; Ctrl-C cancels; Enter or Ctrl-D ends. */
function readHidden(stream: NodeJS.ReadStream, prompt: string, io: Io): Promise<string> {
  io.err(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (err?: GatehouseError) => {
      stream.off('data', onData);
      stream.setRawMode(false);
      stream.pause();
      io.err('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of String(chunk)) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish();
        if (ch === '\u0003') return finish(new GatehouseError('USAGE', 'Cancelled; nothing was stored.'));
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else value += ch;
      }
    };
    stream.setRawMode(true);
    stream.setEncoding('utf8');
    stream.on('data', onData);
    stream.resume();
  });
}
