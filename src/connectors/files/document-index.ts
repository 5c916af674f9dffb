/**
 * The full-text index of one files connector, kept in step with its folder.
 *
 * - A full scan walks the folder (no hidden entries, no symlinks, at most `maxFiles` documents),
 *   compares it with the stored index and upserts what is new or changed, deletes what is gone.
 * - A recursive watcher (folder-watcher.ts) batches change events; just those paths are re-indexed.
 * - A periodic full scan (unref'd timer) repairs anything the watcher missed.
 *
 * Every write is an upsert or a delete keyed by (connector, path) and derived from the file on disk,
 * so replicas indexing the same folder into one store converge instead of conflicting.
 * A missing folder is never read as an empty one: nothing is deleted while it is unavailable.
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { GatehouseError } from '../../errors/catalog.js';
import type { Logger } from '../../ops/logger.js';
import type { DocumentIndexRepo, IndexedDocument, IndexedDocumentMeta } from '../../store/store.js';
import { type DocumentText, documentKind, documentVersion, extractDocument } from './document-text.js';
import { type FolderChanges, FolderWatcher } from './folder-watcher.js';
import {
  type DocumentBytes, normalizeRelativePath, readDocumentBytes, resolveInRoot, resolveRoot,
} from './safe-path.js';

/** Most documents a folder may hold; beyond this the scan stops and health reports it. */
export const DEFAULT_MAX_FILES = 50_000;
/** How long change events are collected before they are applied. */
export const DEFAULT_DEBOUNCE_MS = 250;
/** How often the whole folder is reconciled with the index. */
export const DEFAULT_RECONCILE_INTERVAL_MS = 5 * 60_000;

/** Sensitivity labels by glob: the first matching glob in config order wins. */
export interface Labeler {
  /** Every label a document can get (the search prefilter). */
  readonly labels: readonly string[];
  labelOf(path: string): string;
}

/**
 * Build the labeler from `labels` (glob → label, relative to the folder) and `defaultLabel`.
 * Globs that could never match a relative path are refused here rather than leaving documents
 * silently on the default label. Throws CONFIG_INVALID.
 */
export function createLabeler(globs: Readonly<Record<string, string>>, defaultLabel: string): Labeler {
  const rules = Object.entries(globs).map(([glob, label]) => {
    if (glob.startsWith('/') || glob.includes('\\') || glob.split('/').includes('..')) {
      throw new GatehouseError('CONFIG_INVALID', `Label glob "${glob}" must be relative to the connector folder, without "..".`);
    }
    return { match: picomatch(glob, { dot: true }), label };
  });
  const labels = [...new Set([...rules.map((r) => r.label), defaultLabel])];
  return {
    labels,
    labelOf: (path) => rules.find((r) => r.match(path))?.label ?? defaultLabel,
  };
}

/** What a document index needs: its folder, the store, labels, limits and tuning. */
export interface DocumentIndexOptions {
  readonly connector: string;
  /** The connector folder as configured (absolute). */
  readonly root: string;
  readonly store: DocumentIndexRepo;
  readonly log: Logger;
  readonly labeler: Labeler;
  readonly maxDocumentBytes: number;
  readonly now: () => Date;
  readonly maxFiles?: number;
  /** Follow changes with a recursive watcher (default true). */
  readonly watch?: boolean;
  readonly debounceMs?: number;
  /** Interval of the safety-net full scan; 0 disables it. */
  readonly reconcileIntervalMs?: number;
}

/** What one full scan did. */
export interface ScanReport {
  /** Documents in the index for this folder afterwards. */
  readonly documents: number;
  readonly upserted: number;
  readonly deleted: number;
  /** The walk stopped at maxFiles. */
  readonly truncated: boolean;
}

/** Index state for health reporting. */
export interface IndexStatus {
  readonly firstScanDone: boolean;
  readonly rootAvailable: boolean;
  readonly watching: boolean;
  readonly documents: number;
  readonly truncated: boolean;
  readonly lastScanAt: string | undefined;
  readonly lastErrorCode: string | undefined;
}

type Outcome = 'indexed' | 'unchanged' | 'removed';

type WalkedFile = Pick<DocumentBytes, 'size' | 'modifiedAt'>;

function errorCode(err: unknown): string {
  if (err instanceof GatehouseError) return err.code;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : 'INTERNAL_ERROR';
}

/** Codes of a document that is not (or no longer) servable: gone, outside, or too large. */
const UNSERVABLE = new Set(['DOCUMENT_NOT_FOUND', 'PATH_OUTSIDE_ROOT', 'DOCUMENT_TOO_LARGE']);

function sameDocument(row: IndexedDocumentMeta, version: string, label: string, file: DocumentBytes): boolean {
  return row.version === version && row.label === label && row.modifiedAt === file.modifiedAt && row.size === file.size;
}

/** The index of one folder: scans, watcher and timer. Construct, then `start()`; `close()` when done. */
export class DocumentIndex {
  readonly #o: DocumentIndexOptions;
  readonly #maxFiles: number;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  #timer: NodeJS.Timeout | undefined;
  /** Undefined when watching is off. */
  readonly #watcher: FolderWatcher | undefined;
  #periodicPending = false;
  #status: Omit<IndexStatus, 'watching'> = { firstScanDone: false, rootAvailable: false, documents: 0, truncated: false,
    lastScanAt: undefined, lastErrorCode: undefined };

  constructor(options: DocumentIndexOptions) {
    this.#o = options;
    this.#maxFiles = options.maxFiles ?? DEFAULT_MAX_FILES;
    this.#watcher = options.watch === false ? undefined : new FolderWatcher({
      debounceMs: options.debounceMs ?? DEFAULT_DEBOUNCE_MS,
      // Periodic scans carry on meanwhile; a failed watcher is retried after one interval.
      retryDelayMs: options.reconcileIntervalMs || DEFAULT_RECONCILE_INTERVAL_MS,
      onChanges: (changes) => this.#onChanges(changes),
      onError: (message, err) => this.#logFailure(message, err),
    });
  }

  /**
   * Run the first full scan, then follow changes. Resolves after the first scan, also when the
   * folder is unavailable (health says so and later scans retry). Store errors reject.
   */
  async start(): Promise<void> {
    try {
      await this.reconcile();
    } catch (err) {
      if (!(err instanceof GatehouseError && err.code === 'CONNECTOR_UNAVAILABLE')) throw err;
      this.#o.log.warn('files connector folder unavailable at start', { connector: this.#o.connector });
    } finally {
      this.#status = { ...this.#status, firstScanDone: true };
    }
    const interval = this.#o.reconcileIntervalMs ?? DEFAULT_RECONCILE_INTERVAL_MS;
    if (interval > 0 && !this.#closed) {
      this.#timer = setInterval(() => {
        // A scan slower than the interval must not pile up more scans behind it.
        if (this.#periodicPending) return;
        this.#periodicPending = true;
        this.reconcile()
          .catch((err: unknown) => this.#logFailure('periodic index scan failed', err))
          .finally(() => { this.#periodicPending = false; });
      }, interval);
      this.#timer.unref();
    }
  }

  /** Stop watching and scanning; resolves once any running index operation has finished. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#watcher?.close();
    await this.#queue.catch(() => undefined);
  }

  /** Index state for health(): availability, watcher, document count, cap. */
  status(): IndexStatus {
    return { ...this.#status, watching: this.#watcher?.watching ?? false };
  }

  /** The real path of the folder; CONNECTOR_UNAVAILABLE (and health updated) when it is gone. */
  async root(): Promise<string> {
    try {
      const real = await resolveRoot(this.#o.root, this.#o.connector);
      if (!this.#status.rootAvailable) this.#status = { ...this.#status, rootAvailable: true };
      return real;
    } catch (err) {
      this.#status = { ...this.#status, rootAvailable: false, lastErrorCode: errorCode(err) };
      throw err;
    }
  }

  /** Full scan of the folder, queued behind other index work. */
  reconcile(): Promise<ScanReport> {
    return this.#enqueue(() => this.#scan());
  }

  /** Re-index the given canonical paths (e.g. hits found stale or gone), queued. */
  refresh(paths: readonly string[]): Promise<void> {
    return this.#enqueue(async () => {
      const rootReal = await this.root();
      for (const path of paths) await this.#indexPath(rootReal, path);
    });
  }

  /**
   * Bring the index up to date with a document just read from disk (the read path); returns the
   * row the index now holds. Not queued: the bytes are the newest there are, and upserts converge.
   */
  async recordRead(path: string, file: DocumentBytes, text: DocumentText, version: string): Promise<IndexedDocumentMeta> {
    const { store, connector } = this.#o;
    const label = this.#o.labeler.labelOf(path);
    const row = await store.getDocument(connector, path);
    if (row && sameDocument(row, version, label, file)) return row;
    return this.#upsert(path, file, text, version, label);
  }

  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(() => {
      if (this.#closed) throw new GatehouseError('CONNECTOR_UNAVAILABLE', `Connector "${this.#o.connector}" is closed.`);
      return task();
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #scan(): Promise<ScanReport> {
    const { store, connector } = this.#o;
    const rootReal = await this.root();
    const { files, truncated } = await this.#walk(rootReal);
    const rows = new Map((await store.listDocuments(connector)).map((r) => [r.path, r]));
    let upserted = 0;
    let deleted = 0;
    let documents = 0;
    for (const [path, info] of files) {
      const row = rows.get(path);
      const quickSame = row !== undefined && row.size === info.size && row.modifiedAt === info.modifiedAt
        && row.label === this.#o.labeler.labelOf(path);
      const outcome = quickSame ? 'unchanged' : await this.#indexPath(rootReal, path, row ?? null);
      if (outcome === 'indexed') upserted += 1;
      if (outcome !== 'removed') documents += 1;
    }
    // Re-check the folder before deleting: an unmounted share must not empty the index.
    await this.root();
    for (const row of rows.values()) {
      if (files.has(row.path)) continue;
      // Checked one by one: the walk may have skipped an unreadable directory or stopped at the cap.
      const outcome = await this.#indexPath(rootReal, row.path, row);
      if (outcome === 'removed') deleted += 1;
      else documents += 1;
    }
    this.#status = { ...this.#status, documents, truncated, lastScanAt: this.#o.now().toISOString(), lastErrorCode: undefined };
    if (truncated) this.#o.log.warn('files connector folder exceeds the document cap', { connector, maxFiles: this.#maxFiles });
    this.#o.log.debug('files connector index scan', { connector, documents, upserted, deleted });
    await this.#watcher?.ensure(rootReal);
    return { documents, upserted, deleted, truncated };
  }

  /** Document files under the folder, by canonical path. Hidden entries and symlinks are skipped. */
  async #walk(rootReal: string): Promise<{ files: Map<string, WalkedFile>; truncated: boolean }> {
    const files = new Map<string, WalkedFile>();
    const dirs = [''];
    for (let dir = dirs.pop(); dir !== undefined; dir = dirs.pop()) {
      let entries;
      try {
        entries = await readdir(join(rootReal, dir), { withFileTypes: true });
      } catch (err) {
        const { connector } = this.#o;
        if (dir === '') {
          throw new GatehouseError('CONNECTOR_UNAVAILABLE', `The folder of connector "${connector}" is unreadable.`, { connector }, { cause: err });
        }
        this.#o.log.debug('files connector skipped an unreadable directory', { connector, code: errorCode(err) });
        continue;
      }
      for (const entry of entries) {
        if (entry.name.startsWith('.')) continue;
        const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
        if (entry.isDirectory()) dirs.push(path);
        if (!entry.isFile() || documentKind(path) === undefined) continue;
        if (files.size >= this.#maxFiles) return { files, truncated: true };
        const info = await lstat(join(rootReal, path)).catch(() => undefined);
        if (info?.isFile()) files.set(path, { size: info.size, modifiedAt: info.mtime.toISOString() });
      }
    }
    return { files, truncated: false };
  }

  /**
   * Make the index agree with the file at one canonical path: upsert it, leave it, or delete it
   * when it is gone, not a document, reached through a symlink, too large or unextractable.
   */
  async #indexPath(rootReal: string, path: string, row?: IndexedDocumentMeta | null): Promise<Outcome> {
    const { store, connector } = this.#o;
    const remove = async (): Promise<Outcome> => {
      await store.deleteDocument(connector, path);
      return 'removed';
    };
    if (documentKind(path) === undefined) return remove();
    let file: DocumentBytes;
    try {
      const resolved = await resolveInRoot(rootReal, path);
      // Only documents at their own real path are indexed; a symlink's target is indexed as itself.
      if (resolved.path !== path) return remove();
      file = await readDocumentBytes(resolved.absolutePath, this.#o.maxDocumentBytes);
    } catch (err) {
      if (err instanceof GatehouseError && UNSERVABLE.has(err.code)) return remove();
      throw err;
    }
    const version = documentVersion(file.bytes);
    const label = this.#o.labeler.labelOf(path);
    // `null`: the caller knows there is no row; `undefined`: look it up.
    const current = row === undefined ? await store.getDocument(connector, path) : row;
    if (current && sameDocument(current, version, label, file)) return 'unchanged';
    let text: DocumentText;
    try {
      text = extractDocument(path, file.bytes);
    } catch (err) {
      this.#o.log.warn('files connector could not extract a document', { connector, code: errorCode(err) });
      return remove();
    }
    await this.#upsert(path, file, text, version, label);
    return 'indexed';
  }

  async #upsert(path: string, file: DocumentBytes, text: DocumentText, version: string, label: string): Promise<IndexedDocumentMeta> {
    const doc: IndexedDocument = {
      connector: this.#o.connector, path, title: text.title, label, version, size: file.size,
      modifiedAt: file.modifiedAt, indexedAt: this.#o.now().toISOString(), body: text.text,
    };
    await this.#o.store.upsertDocument(doc);
    const { body: _body, ...meta } = doc;
    return meta;
  }

  /** A batch from the watcher: queued behind other index work; failures are logged, not thrown. */
  #onChanges({ names, full }: FolderChanges): void {
    this.#enqueue(() => (full ? this.#scan() : this.#applyChanges(names)))
      .catch((err: unknown) => this.#logFailure('files connector could not apply changes', err));
  }

  /** Apply watcher events; a directory appearing or vanishing falls back to a full scan. */
  async #applyChanges(names: ReadonlySet<string>): Promise<unknown> {
    const rootReal = await this.root();
    let rows: IndexedDocumentMeta[] | undefined;
    for (const name of names) {
      let path: string;
      try {
        path = normalizeRelativePath(name);
      } catch {
        continue; // hidden entries and odd names are never indexed
      }
      const info = await lstat(join(rootReal, path)).catch(() => undefined);
      if (info?.isDirectory()) return this.#scan();
      if (documentKind(path) !== undefined) {
        await this.#indexPath(rootReal, path);
      } else if (info === undefined || info.isSymbolicLink()) {
        // A directory vanished or became a symlink: its documents go through a full scan.
        rows ??= await this.#o.store.listDocuments(this.#o.connector);
        if (rows.some((r) => r.path.startsWith(`${path}/`))) return this.#scan();
      }
    }
    return undefined;
  }

  #logFailure(message: string, err: unknown): void {
    const code = errorCode(err);
    this.#status = { ...this.#status, lastErrorCode: code };
    this.#o.log.warn(message, { connector: this.#o.connector, code });
  }
}

