/**
 * Agent-supplied paths resolved inside a connector folder, or refused.
 *
 * Two layers: pure checks on the string (`normalizeRelativePath`, `isInsideRoot`, `isHiddenPath`)
 * and the file-system edge (`resolveRoot`, `resolveInRoot`, `findInRoot`, `readDocumentBytes`), which resolves
 * symlinks and insists the real file is a regular file inside the real folder.
 *
 * The canonical path of a document is its real path relative to the real folder. Labels and policy
 * ids are computed on it, so a symlink inside the folder cannot give a restricted file a milder name.
 */
import { constants } from 'node:fs';
import { access, open, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { GatehouseError } from '../../errors/catalog.js';

/** Longest path an agent may send, in characters. */
export const MAX_PATH_LENGTH = 1024;

/** Path syntax that never names a file inside the folder: control characters incl. NUL, backslashes. */
const FORBIDDEN_CHARACTERS = /[\u0000-\u001f\u007f\\]/;
/** `C:`, `c:foo`: Windows drive prefixes. */
const DRIVE_PREFIX = /^[A-Za-z]:/;

/** A document file found inside the folder. */
export interface ResolvedFile {
  /** Canonical path: real path relative to the real folder, `/`-separated. */
  readonly path: string;
  /** Absolute real path on disk. */
  readonly absolutePath: string;
  readonly size: number;
  readonly modifiedAt: string;
}

/** The bytes of a document, read through one file handle. */
export interface DocumentBytes {
  readonly bytes: Buffer;
  readonly size: number;
  readonly modifiedAt: string;
}

function outside(problem: string): GatehouseError {
  return new GatehouseError('PATH_OUTSIDE_ROOT', problem);
}

function notFound(): GatehouseError {
  return new GatehouseError('DOCUMENT_NOT_FOUND', 'No document exists at that path.');
}

/**
 * Check an agent-supplied path and return it normalized (`a//./b` → `a/b`). Pure: no file system.
 * Throws PATH_OUTSIDE_ROOT for absolute paths, drive letters, `..`, control characters and
 * backslashes; DOCUMENT_NOT_FOUND for the folder itself and hidden entries (never served).
 */
export function normalizeRelativePath(input: unknown): string {
  if (typeof input !== 'string') throw new GatehouseError('ARGUMENTS_INVALID', 'The path must be a string.');
  if (input.length === 0 || input.length > MAX_PATH_LENGTH) {
    throw new GatehouseError('ARGUMENTS_INVALID', `The path must have 1 to ${MAX_PATH_LENGTH} characters.`);
  }
  if (FORBIDDEN_CHARACTERS.test(input)) throw outside('The path contains a control character or a backslash.');
  if (input.startsWith('/') || DRIVE_PREFIX.test(input)) throw outside('The path is absolute.');
  const segments = input.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw outside('The path contains "..".');
  if (segments.length === 0) throw notFound();
  if (isHiddenPath(segments)) throw notFound();
  return segments.join('/');
}

/** Whether any segment is hidden (`.git`, `.env`): hidden entries are neither indexed nor read. */
export function isHiddenPath(segments: readonly string[]): boolean {
  return segments.some((s) => s.startsWith('.'));
}

/** Whether `candidate` (absolute) lies strictly inside `root` (absolute). Pure. */
export function isInsideRoot(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** Convert an OS-relative path to the canonical `/` form. */
export function toPosix(rel: string): string {
  return sep === '/' ? rel : rel.split(sep).join('/');
}

/**
 * The real path of the connector folder. Throws CONNECTOR_UNAVAILABLE when it is missing,
 * not a directory, or not readable: a missing folder must never look like an empty one.
 */
export async function resolveRoot(root: string, connector: string): Promise<string> {
  try {
    const real = await realpath(root);
    const info = await stat(real);
    if (!info.isDirectory()) throw new Error('not a directory');
    await access(real, constants.R_OK | constants.X_OK);
    return real;
  } catch (err) {
    throw new GatehouseError('CONNECTOR_UNAVAILABLE', `The folder of connector "${connector}" is missing or unreadable.`, { connector }, { cause: err });
  }
}

const MISSING_CODES = new Set(['ENOENT', 'ENOTDIR', 'ELOOP', 'EACCES', 'EPERM', 'ENAMETOOLONG']);

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && MISSING_CODES.has(code);
}

/**
 * Resolve a normalized relative path (see `normalizeRelativePath`) inside the real folder `rootReal`.
 * Symlinks are followed; the real target must be a regular, non-hidden file inside the folder.
 * Throws PATH_OUTSIDE_ROOT or DOCUMENT_NOT_FOUND.
 */
export async function resolveInRoot(rootReal: string, relPath: string): Promise<ResolvedFile> {
  let real: string;
  try {
    real = await realpath(join(rootReal, relPath));
  } catch (err) {
    if (isMissing(err)) throw notFound();
    throw err;
  }
  if (!isInsideRoot(rootReal, real)) throw outside('The path leads outside the connector folder.');
  const canonical = toPosix(relative(rootReal, real));
  if (isHiddenPath(canonical.split('/'))) throw notFound();
  let info;
  try {
    info = await stat(real);
  } catch (err) {
    if (isMissing(err)) throw notFound();
    throw err;
  }
  // Directories, FIFOs, sockets and devices are not documents.
  if (!info.isFile()) throw notFound();
  return { path: canonical, absolutePath: real, size: info.size, modifiedAt: info.mtime.toISOString() };
}

/**
 * Like `resolveInRoot`, but a path that names no document file (missing, a directory, a FIFO, a
 * hidden target) gives `undefined` instead of DOCUMENT_NOT_FOUND, so that the caller can let policy
 * decide before it says whether anything is there. Still throws PATH_OUTSIDE_ROOT when the path, or
 * the nearest folder on it that exists, resolves outside the folder: a symlinked directory that
 * leaves the folder is refused whether or not the file below it exists.
 */
export async function findInRoot(rootReal: string, relPath: string): Promise<ResolvedFile | undefined> {
  try {
    return await resolveInRoot(rootReal, relPath);
  } catch (err) {
    if (!(err instanceof GatehouseError && err.code === 'DOCUMENT_NOT_FOUND')) throw err;
  }
  const segments = relPath.split('/');
  for (let n = segments.length - 1; n > 0; n -= 1) {
    let real: string;
    try {
      real = await realpath(join(rootReal, ...segments.slice(0, n)));
    } catch (err) {
      if (isMissing(err)) continue;
      throw err;
    }
    if (real !== rootReal && !isInsideRoot(rootReal, real)) throw outside('The path leads outside the connector folder.');
    break;
  }
  return undefined;
}

/** Thrown by `readDocumentBytes` when a file exceeds the size cap. */
function tooLarge(maxBytes: number): GatehouseError {
  return new GatehouseError('DOCUMENT_TOO_LARGE', `The document is larger than the connector limit of ${maxBytes} bytes.`, { maxBytes });
}

/**
 * Read a regular file of at most `maxBytes`. The final component is opened without following
 * symlinks and non-blocking (a FIFO swapped in cannot hang the call); size and type come from
 * the open handle, so they describe the bytes returned. Throws DOCUMENT_NOT_FOUND or
 * DOCUMENT_TOO_LARGE.
 */
export async function readDocumentBytes(absolutePath: string, maxBytes: number): Promise<DocumentBytes> {
  let handle;
  try {
    handle = await open(absolutePath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if (isMissing(err)) throw notFound();
    throw err;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw notFound();
    if (info.size > maxBytes) throw tooLarge(maxBytes);
    // The file may grow after fstat: read to EOF, but never keep more than one byte past the cap.
    let buffer = Buffer.allocUnsafe(Math.min(info.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes) throw tooLarge(maxBytes);
        const grown = Buffer.allocUnsafe(Math.min(buffer.length * 2, maxBytes + 1));
        buffer.copy(grown, 0, 0, length);
        buffer = grown;
      }
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) throw tooLarge(maxBytes);
    return { bytes: buffer.subarray(0, length), size: length, modifiedAt: info.mtime.toISOString() };
  } finally {
    await handle.close();
  }
}
