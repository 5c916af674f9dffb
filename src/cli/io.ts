import { GatehouseError } from '../errors/catalog.js';

/**
 * How CLI commands talk to the terminal. Commands receive an Io rather than touching process.*,
 * so tests can run them in-process and E2E tests can spawn the real binary.
 */
export interface Io {
  /** Write to standard output (results, JSON). */
  out(text: string): void;
  /** Write to standard error (progress, problems). */
  err(text: string): void;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** Exit codes: 0 success, 1 a check failed (verify, policy test), 2 usage or configuration error. */
export const EXIT_OK = 0;
export const EXIT_CHECK_FAILED = 1;
export const EXIT_USAGE = 2;

/**
 * All of `stream`, refused with USAGE (`tooLarge`) once it passes `limit` bytes. The chunks read
 * are zeroed once copied, since standard input may carry a secret.
 */
export async function readLimited(stream: NodeJS.ReadableStream, limit: number, tooLarge: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk), 'utf8');
    size += buf.length;
    if (size > limit) {
      for (const c of [...chunks, buf]) c.fill(0);
      if ('destroy' in stream && typeof stream.destroy === 'function') stream.destroy();
      throw new GatehouseError('USAGE', tooLarge);
    }
    chunks.push(buf);
  }
  const all = Buffer.concat(chunks);
  for (const c of chunks) c.fill(0);
  return all;
}
