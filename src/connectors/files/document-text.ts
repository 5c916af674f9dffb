/**
 * Text, title and version of a document, by file extension. Markdown and plain text are served as written;
 * HTML is reduced to its visible text (no scripts, styles or comments) so markup never reaches the
 * index or the model. Other extensions are not documents.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { parse } from 'node-html-parser';

/** How a document's bytes become text. */
export type DocumentKind = 'text' | 'html';

const KINDS: ReadonlyMap<string, DocumentKind> = new Map([
  ['.md', 'text'],
  ['.markdown', 'text'],
  ['.txt', 'text'],
  ['.html', 'html'],
  ['.htm', 'html'],
]);

/** File extensions that are indexed and readable, lowercase with the dot. */
export const DOCUMENT_EXTENSIONS: readonly string[] = [...KINDS.keys()];

/** Longest title kept, in characters. */
const MAX_TITLE = 200;

/** Extracted text of one document. */
export interface DocumentText {
  readonly title: string;
  readonly text: string;
}

/** The kind of document at `path` (by extension, case-insensitive), or undefined if it is not one. */
export function documentKind(path: string): DocumentKind | undefined {
  return KINDS.get(posix.extname(path).toLowerCase());
}

/** The content version of a document: SHA-256 of its bytes, hex. */
export function documentVersion(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Decode bytes as UTF-8 (a BOM is dropped, invalid bytes become U+FFFD). */
export function decodeText(bytes: Uint8Array): string {
  // NUL cannot be stored in PostgreSQL text and never carries meaning in these formats.
  return new TextDecoder('utf-8').decode(bytes).replace(/\u0000/g, '');
}

/**
 * Title and text of the document at `path` (canonical relative path) from its bytes.
 * Throws if `path` is not a supported document (callers check `documentKind` first).
 */
export function extractDocument(path: string, bytes: Uint8Array): DocumentText {
  const kind = documentKind(path);
  if (kind === undefined) throw new TypeError('not a supported document');
  const source = decodeText(bytes);
  const fallback = posix.basename(path);
  if (kind === 'html') return htmlDocument(source, fallback);
  return { title: markdownTitle(source) ?? fallback, text: source };
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const ATX_H1 = /^ {0,3}#[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;

/** The first level-1 ATX heading (`# Title`) outside fenced code, if any. */
export function markdownTitle(source: string): string | undefined {
  let fence: string | undefined;
  for (const line of source.split(/\r?\n/)) {
    const opener = FENCE.exec(line)?.[1];
    if (opener !== undefined) {
      if (fence === undefined) fence = opener[0];
      else if (opener[0] === fence) fence = undefined;
      continue;
    }
    if (fence !== undefined) continue;
    const heading = ATX_H1.exec(line)?.[1];
    const title = heading === undefined ? undefined : cleanTitle(heading);
    if (title) return title;
  }
  return undefined;
}

/** Elements whose content is never visible text. */
const INVISIBLE = 'script, style, noscript, template, head, title';

function htmlDocument(source: string, fallback: string): DocumentText {
  // The parser keeps a doctype as text; it is markup, not content.
  const root = parse(source.replace(/^\s*<!doctype[^>]*>/i, ''), { comment: false });
  const title = cleanTitle(root.querySelector('title')?.text ?? '') || cleanTitle(root.querySelector('h1')?.text ?? '') || fallback;
  for (const element of root.querySelectorAll(INVISIBLE)) element.remove();
  const text = root.structuredText.replace(/\n{3,}/g, '\n\n').trim();
  return { title, text };
}

function cleanTitle(raw: string): string {
  return raw.replace(/\s+/g, ' ').trim().slice(0, MAX_TITLE);
}
