/**
 * The `files` connector: a folder of Markdown, text and HTML documents offered as `search`
 * (ranked full-text search over the index) and `read` (the file, fresh from disk).
 *
 * Sensitivity labels come from config globs on the canonical path. Every search hit passes
 * `ctx.mayAccess` before anything about it enters the result, so a refused document leaves no
 * title, snippet or path behind. Policy also decides before a read says whether a file exists:
 * a path with nothing behind it is targeted (and labelled) as typed, so an agent cannot probe
 * a restricted folder by telling DOCUMENT_NOT_FOUND from POLICY_DENIED.
 *
 * Every item carries provenance: content version (SHA-256), modified time, index time and
 * whether the file on disk has moved on since it was indexed.
 */
import { lstat } from 'node:fs/promises';
import { isAbsolute, join, posix } from 'node:path';
import type { FilesConnectorConfig } from '../../config/schema.js';
import type { JsonSchemaObject, OperationSpec, Provenance, ResourceRef } from '../../domain/types.js';
import { GatehouseError } from '../../errors/catalog.js';
import type { Logger } from '../../ops/logger.js';
import type { DocumentIndexRepo, SearchHit } from '../../store/store.js';
import { CallHealth } from '../call-health.js';
import type { Connector, ConnectorContext, ConnectorHealth, OperationResult } from '../connector.js';
import { DocumentIndex, type Labeler, createLabeler } from './document-index.js';
import { documentKind, documentVersion, extractDocument } from './document-text.js';
import { MAX_PATH_LENGTH, type ResolvedFile, findInRoot, normalizeRelativePath, readDocumentBytes } from './safe-path.js';

/** Longest search query, in characters. */
export const MAX_QUERY_LENGTH = 500;
/** Most index matches examined by one search while filling `limit` with permitted hits. */
export const MAX_SEARCH_SCAN = 1000;

/** What the connector needs from the gateway, plus index tuning (defaults suit production). */
export interface FilesConnectorDeps {
  /** The gateway store (only its document index is used). */
  readonly store: DocumentIndexRepo;
  readonly log: Logger;
  readonly now?: () => Date;
  /** Follow changes with a recursive watcher (default true). */
  readonly watch?: boolean;
  /** Interval of the safety-net full scan in ms (default 5 minutes; 0 disables). */
  readonly reconcileIntervalMs?: number;
  /** How long watcher events are collected before they are applied, in ms (default 250). */
  readonly debounceMs?: number;
  /** Most documents indexed from the folder (default 50,000). */
  readonly maxFiles?: number;
}

/** One search hit as returned to the agent. */
export interface DocumentHit {
  readonly path: string;
  readonly title: string;
  /** Excerpt around the match; matched terms are marked «like this». */
  readonly snippet: string;
  readonly score: number;
  readonly provenance: Provenance;
}

/** A document as returned by `read`. */
export interface ReadDocument {
  readonly path: string;
  readonly title: string;
  readonly label: string;
  /** The document text (HTML reduced to its visible text). */
  readonly content: string;
  readonly provenance: Provenance;
}

/** Create a files connector. Checks its options now; `start()` builds the index and starts watching. */
export function createFilesConnector(config: FilesConnectorConfig, deps: FilesConnectorDeps): Connector {
  return new FilesConnector(config, deps);
}

type Freshness = 'fresh' | 'stale' | 'gone';

function searchSchema(maxResults: number): JsonSchemaObject {
  return {
    type: 'object',
    properties: {
      query: { type: 'string', minLength: 1, maxLength: MAX_QUERY_LENGTH, description: 'Words to look for.' },
      limit: { type: 'integer', minimum: 1, maximum: maxResults, description: `Most hits to return (default ${maxResults}).` },
    },
    required: ['query'],
    additionalProperties: false,
  };
}

const READ_SCHEMA: JsonSchemaObject = {
  type: 'object',
  properties: {
    path: {
      type: 'string', minLength: 1, maxLength: MAX_PATH_LENGTH,
      description: 'Path of the document relative to the folder, as returned by search.',
    },
  },
  required: ['path'],
  additionalProperties: false,
};

function invalid(problem: string): GatehouseError {
  return new GatehouseError('ARGUMENTS_INVALID', problem);
}

/** "512 B", "2.1 KB", "3.4 MB". */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

class FilesConnector implements Connector {
  readonly name: string;
  readonly type = 'files' as const;
  readonly config: FilesConnectorConfig;
  readonly #deps: FilesConnectorDeps;
  readonly #labeler: Labeler;
  readonly #index: DocumentIndex;
  readonly #operations: readonly OperationSpec[];

  /** Outcomes and latency of calls, for health(). */
  readonly #calls: CallHealth;

  constructor(config: FilesConnectorConfig, deps: FilesConnectorDeps) {
    this.#calls = new CallHealth(deps.now);
    if (!isAbsolute(config.path)) {
      throw new GatehouseError('CONFIG_INVALID', `connectors.${config.name}.path must be absolute once loaded.`);
    }
    this.name = config.name;
    this.config = config;
    this.#deps = deps;
    this.#labeler = createLabeler(config.labels, config.default_label);
    this.#index = new DocumentIndex({
      connector: config.name, root: config.path, store: deps.store, log: deps.log, labeler: this.#labeler,
      maxDocumentBytes: config.max_document_bytes, now: deps.now ?? (() => new Date()),
      watch: deps.watch, debounceMs: deps.debounceMs, reconcileIntervalMs: deps.reconcileIntervalMs, maxFiles: deps.maxFiles,
    });
    const all: OperationSpec[] = [
      {
        name: 'search', power: 'search', inputSchema: searchSchema(config.max_results),
        summary: 'Full-text search over the documents in this folder. Returns ranked hits with path, title, snippet and freshness.',
      },
      {
        name: 'read', power: 'read', inputSchema: READ_SCHEMA,
        summary: 'Read one document from this folder by the path search returned, fresh from disk, with its freshness.',
      },
    ];
    this.#operations = Object.freeze(all.filter((op) => config.powers.includes(op.power)));
  }

  operations(): readonly OperationSpec[] {
    return this.#operations;
  }

  /**
   * `search` targets the connector; `read` targets the document: by its canonical path when a file
   * is there, else by the path as typed, so that policy (not an error code) answers first.
   * Throws PATH_OUTSIDE_ROOT, and for paths that can never name a document whether or not anything
   * is there, DOCUMENT_NOT_FOUND or DOCUMENT_UNSUPPORTED.
   */
  async target(operation: string, args: Readonly<Record<string, unknown>>): Promise<ResourceRef> {
    this.#operation(operation);
    if (operation === 'search') return { type: 'Connector', id: this.name, attributes: {}, parents: [] };
    return (await this.#locate(args.path)).resource;
  }

  async execute(operation: string, args: Readonly<Record<string, unknown>>, ctx: ConnectorContext): Promise<OperationResult> {
    this.#operation(operation);
    return this.#calls.track(() => (operation === 'search' ? this.#search(args, ctx) : this.#read(args, ctx)));
  }

  health(): ConnectorHealth {
    const s = this.#index.status();
    let status: ConnectorHealth['status'] = 'ok';
    if (!s.firstScanDone) status = 'starting';
    else if (!s.rootAvailable) status = 'unavailable';
    else if (s.truncated || (this.#deps.watch !== false && !s.watching)) status = 'degraded';
    const facts: Record<string, string | number> = {
      documents: s.documents, watching: s.watching ? 'yes' : 'no', truncated: s.truncated ? 'yes' : 'no',
    };
    if (s.lastScanAt !== undefined) facts.last_scan_at = s.lastScanAt;
    const calls = this.#calls.snapshot();
    return { status, ...calls, lastSuccessAt: calls.lastSuccessAt ?? s.lastScanAt, lastErrorCode: calls.lastErrorCode ?? s.lastErrorCode, facts };
  }

  start(): Promise<void> {
    return this.#index.start();
  }

  close(): Promise<void> {
    return this.#index.close();
  }


  #operation(operation: string): void {
    if (!this.#operations.some((op) => op.name === operation)) {
      throw new GatehouseError('TOOL_UNKNOWN', `Connector "${this.name}" offers no operation "${operation}".`, { connector: this.name });
    }
  }

  #unsupported(): GatehouseError {
    return new GatehouseError('DOCUMENT_UNSUPPORTED', 'The file is not a document this connector serves.');
  }

  /**
   * The file an agent-supplied path names (undefined when nothing servable is there) and the
   * resource policy decides on. What is refused without a look at the disk (syntax, hidden
   * entries, extensions) is refused the same way whether or not anything exists.
   */
  async #locate(input: unknown): Promise<{ file: ResolvedFile | undefined; resource: ResourceRef }> {
    const typed = normalizeRelativePath(input);
    if (documentKind(typed) === undefined) {
      // No extension (a folder name, say) can never be a document; another extension is not one we serve.
      if (posix.extname(typed) === '') throw new GatehouseError('DOCUMENT_NOT_FOUND', 'No document exists at that path.');
      throw this.#unsupported();
    }
    const file = await findInRoot(await this.#index.root(), typed);
    return { file, resource: this.#documentResource(file?.path ?? typed) };
  }

  #documentResource(path: string): ResourceRef {
    return {
      type: 'Document',
      id: `${this.name}/${path}`,
      attributes: { path, label: this.#labeler.labelOf(path), connector: this.name },
      parents: [{ type: 'Connector', id: this.name }],
    };
  }

  #provenance(path: string, p: Omit<Provenance, 'source'>): Provenance {
    return { source: `${this.name}:${path}`, ...p };
  }

  #searchArgs(args: Readonly<Record<string, unknown>>): { query: string; limit: number } {
    const { query, limit } = args;
    if (typeof query !== 'string' || query.trim().length === 0 || query.length > MAX_QUERY_LENGTH) {
      throw invalid(`"query" must be a string of 1 to ${MAX_QUERY_LENGTH} characters.`);
    }
    const max = this.config.max_results;
    if (limit === undefined) return { query, limit: max };
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > max) {
      throw invalid(`"limit" must be an integer from 1 to ${max}.`);
    }
    return { query, limit };
  }

  /**
   * Ranked search. The index is over-fetched in growing pages (up to MAX_SEARCH_SCAN matches) so
   * that `limit` permitted hits can be found even when the best matches are refused by policy.
   */
  async #search(args: Readonly<Record<string, unknown>>, ctx: ConnectorContext): Promise<OperationResult> {
    const { query, limit } = this.#searchArgs(args);
    const rootReal = await this.#index.root();
    const hits: DocumentHit[] = [];
    const seen = new Set<string>();
    const refresh: string[] = [];
    let fetch = Math.min(MAX_SEARCH_SCAN, limit * 3 + 10);
    for (;;) {
      ctx.signal.throwIfAborted();
      const rows = await this.#deps.store.searchDocuments({ connector: this.name, query, labels: this.#labeler.labels, limit: fetch });
      for (const row of rows) {
        if (hits.length >= limit) break;
        if (seen.has(row.path)) continue;
        seen.add(row.path);
        // Policy first: a refused document is not even looked at on disk.
        if (!ctx.mayAccess(this.#documentResource(row.path), 'read')) continue;
        const freshness = await this.#freshness(rootReal, row);
        if (freshness !== 'fresh') refresh.push(row.path);
        if (freshness === 'gone') continue;
        hits.push(this.#hit(row, freshness === 'stale'));
      }
      if (hits.length >= limit || rows.length < fetch || fetch >= MAX_SEARCH_SCAN) break;
      fetch = Math.min(MAX_SEARCH_SCAN, fetch * 4);
    }
    if (refresh.length > 0) {
      // The watcher missed these; catch the index up without holding the answer.
      this.#index.refresh(refresh).catch((err: unknown) => {
        this.#deps.log.warn('files connector refresh failed', { connector: this.name, code: err instanceof GatehouseError ? err.code : 'INTERNAL_ERROR' });
      });
    }
    return {
      text: searchText(hits),
      structured: { hits },
      summary: `${hits.length} ${hits.length === 1 ? 'hit' : 'hits'}`,
      provenance: hits.map((h) => h.provenance),
    };
  }

  #hit(row: SearchHit, stale: boolean): DocumentHit {
    return {
      path: row.path,
      title: row.title,
      snippet: row.snippet,
      score: Math.round(row.score * 1e4) / 1e4,
      provenance: this.#provenance(row.path, { version: row.version, modifiedAt: row.modifiedAt, indexedAt: row.indexedAt, stale }),
    };
  }

  /**
   * Whether the file behind a hit still holds what the index holds. Size and mtime decide when they
   * match; otherwise the bytes are hashed, so a touch without a change is not reported as stale.
   */
  async #freshness(rootReal: string, row: SearchHit): Promise<Freshness> {
    const absolute = join(rootReal, row.path);
    const info = await lstat(absolute).catch(() => undefined);
    if (!info?.isFile()) return 'gone';
    if (info.size === row.size && info.mtime.toISOString() === row.modifiedAt) return 'fresh';
    try {
      const file = await readDocumentBytes(absolute, this.config.max_document_bytes);
      return documentVersion(file.bytes) === row.version ? 'fresh' : 'stale';
    } catch (err) {
      return err instanceof GatehouseError && err.code === 'DOCUMENT_TOO_LARGE' ? 'stale' : 'gone';
    }
  }

  /** Read one document fresh from disk and catch the index up with it. */
  async #read(args: Readonly<Record<string, unknown>>, ctx: ConnectorContext): Promise<OperationResult> {
    const { file: resolved, resource } = await this.#locate(args.path);
    // target() was authorized; the path is resolved again here, so decide again on what it now is,
    // and before saying whether anything is there.
    if (!ctx.mayAccess(resource, 'read')) {
      throw new GatehouseError('POLICY_DENIED', 'Access to this document is not permitted.', { connector: this.name });
    }
    if (resolved === undefined) throw new GatehouseError('DOCUMENT_NOT_FOUND', 'No document exists at that path.');
    // A symlink with a document's name may point at a file that is not one.
    if (documentKind(resolved.path) === undefined) throw this.#unsupported();
    const file = await readDocumentBytes(resolved.absolutePath, this.config.max_document_bytes);
    const text = extractDocument(resolved.path, file.bytes);
    const version = documentVersion(file.bytes);
    const row = await this.#index.recordRead(resolved.path, file, text, version);
    const provenance = this.#provenance(resolved.path, {
      version, modifiedAt: file.modifiedAt, indexedAt: row.indexedAt, stale: row.version !== version,
    });
    const document: ReadDocument = {
      path: resolved.path, title: text.title, label: this.#labeler.labelOf(resolved.path), content: text.text, provenance,
    };
    return { text: text.text, structured: { ...document }, summary: `read ${formatSize(file.size)}`, provenance: [provenance] };
  }
}

/** The hits as text for the model: one numbered entry per hit with path, title and snippet. */
function searchText(hits: readonly DocumentHit[]): string {
  if (hits.length === 0) return 'No documents matched.';
  const lines = [`${hits.length} ${hits.length === 1 ? 'hit' : 'hits'}:`];
  hits.forEach((hit, i) => {
    lines.push('', `${i + 1}. ${hit.path} — ${hit.title}`, `   ${hit.snippet.replace(/\s+/g, ' ').trim()}`);
    if (hit.provenance.stale) lines.push('   (stale: the file changed after it was indexed; read it for the current text)');
  });
  return lines.join('\n');
}
