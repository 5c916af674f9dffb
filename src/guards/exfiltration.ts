/**
 * Limits on where data may go. Two checks:
 *
 * - destinations: in the arguments of a write, draft or trigger call, every URL, e-mail address and
 *   domain must match the connector's allow-list (`guards.destinations`) when it has one. An agent
 *   talked into mailing the customer list to x@evil.example is refused before anything is sent.
 * - outside images: a markdown or HTML image in a result that points at a host off the allow-list
 *   is replaced by a note. A client that renders the image would otherwise call that host, with
 *   whatever the model put into the URL.
 *
 * Text is read through the PII normaliser (zero-width characters dropped, full-width folded), so
 * `evil\u200B.example` is the same destination as `evil.example`.
 */
import { domainToASCII } from 'node:url';
import { normalizeText } from './pii/normalize-text.js';

export type DestinationKind = 'url' | 'email' | 'domain';

export interface Destination {
  readonly kind: DestinationKind;
  /** Lower-cased, as compared. */
  readonly value: string;
  readonly host: string;
}

type Entry =
  | { readonly type: 'host'; readonly host: string }
  | { readonly type: 'suffix'; readonly suffix: string }
  | { readonly type: 'email'; readonly email: string }
  | { readonly type: 'url'; readonly origin: string; readonly path: string };

const HOST = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Parses one allow-list entry; returns a message saying what is wrong, or the entry. */
export function parseDestinationEntry(raw: string): Entry | string {
  const entry = raw.trim().toLowerCase();
  if (entry.includes('://')) {
    try {
      const url = new URL(entry);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') return `"${raw}": only http and https URLs can be allowed`;
      return { type: 'url', origin: url.origin, path: url.pathname };
    } catch {
      return `"${raw}" is not a valid URL`;
    }
  }
  if (entry.includes('@')) {
    const [local, domain] = entry.split('@');
    if (!local || !domain || !HOST.test(domain)) return `"${raw}" is not a valid e-mail address`;
    return { type: 'email', email: entry };
  }
  if (entry.startsWith('*.')) {
    const suffix = entry.slice(2);
    return HOST.test(suffix) && suffix.includes('.') ? { type: 'suffix', suffix } : `"${raw}" is not a valid domain pattern (use "*.example.com")`;
  }
  return HOST.test(entry) ? { type: 'host', host: entry } : `"${raw}" is not a domain, e-mail address or http(s) URL`;
}

export interface DestinationPolicy {
  allows(destination: Destination): boolean;
  allowsHost(host: string): boolean;
}

export function createDestinationPolicy(entries: readonly string[]): DestinationPolicy {
  const parsed = entries.map(parseDestinationEntry).filter((e): e is Entry => typeof e !== 'string');
  const allowsHost = (host: string): boolean =>
    parsed.some((e) => (e.type === 'host' && e.host === host) || (e.type === 'suffix' && host.endsWith(`.${e.suffix}`)));
  return {
    allowsHost,
    allows(destination) {
      if (allowsHost(destination.host)) return true;
      if (destination.kind === 'email') return parsed.some((e) => e.type === 'email' && e.email === destination.value);
      if (destination.kind !== 'url') return false;
      let url: URL;
      try {
        url = new URL(destination.value);
      } catch {
        return false;
      }
      return parsed.some((e) => e.type === 'url' && e.origin === url.origin && url.pathname.startsWith(e.path));
    },
  };
}

/** Any scheme with one or two slashes or backslashes (browsers read `https:/x` and `http:\\x` as hosts), or `//host`. */
const URL_PATTERN = /(?:\b[a-z][a-z0-9+.-]{1,15}:[\\/]{1,2}|(?<![\w:/\\])\/\/(?=[\p{L}\p{N}-]+\.))[^\s<>"'`)\]}]+/giu;
/** Addresses, also with international (Unicode) domains and IP literals. */
const EMAIL_PATTERN = /[\p{L}\p{N}._%+-]{1,64}@(?:(?:[\p{L}\p{N}-]{1,63}\.){1,8}\p{L}{2,24}(?![\p{L}\p{N}])|\[[0-9a-f.:]{3,45}\])/giu;
const IPV4_PATTERN = /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])/g;
/**
 * Bare domains are recognised under common and abused top-level domains, two-letter country codes
 * that are not also common file extensions (README.md and app.py are not hosts), and the reserved
 * `example`, `test` and `invalid`. Property paths such as `user.name` are left alone.
 */
const GENERIC_TLDS = [
  'com', 'net', 'org', 'edu', 'gov', 'mil', 'int', 'info', 'biz', 'xyz', 'top', 'online', 'site', 'store', 'tech', 'cloud',
  'email', 'link', 'live', 'club', 'shop', 'icu', 'vip', 'world', 'today', 'website', 'fun', 'pro', 'mobi', 'asia',
  'network', 'digital', 'agency', 'company', 'services', 'solutions', 'support', 'systems', 'software', 'tools', 'cam',
  'monster', 'rest', 'bar', 'quest', 'cfd', 'sbs', 'lol', 'buzz', 'click', 'bid', 'win', 'loan', 'men', 'gdn', 'ooo',
  'app', 'dev', 'example', 'test', 'invalid',
];
const FILE_EXTENSIONS = new Set(['md', 'py', 'sh', 'rs', 'js', 'ts', 'go', 'pl', 'cc', 'rb', 'cs', 'db', 'so', 'gz', 'xz', 'kt', 'mk', 'hs', 'ex', 'vb', 'fs', 'el', 'am', 'ps', 'jl', 'nb', 'pm', 'sc', 'ml', 'mm', 'gd']);
const DOMAIN_PATTERN = new RegExp(`\\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)+(?:${GENERIC_TLDS.join('|')}|[a-z]{2})\\b(?![.(])`, 'gi');

/** The host of a bare or e-mail domain, in ASCII (IDNA); '' when it is not a valid domain. */
function asciiHost(domain: string): string {
  if (domain.startsWith('[')) return domain.slice(1, -1);
  return domainToASCII(domain.toLowerCase());
}

/** `text` with every match of `pattern` blanked out, so later patterns do not see inside it. */
function blankOut(text: string, pattern: RegExp, onMatch: (value: string) => void): string {
  const parts: string[] = [];
  let at = 0;
  for (const match of text.matchAll(pattern)) {
    onMatch(match[0]);
    parts.push(text.slice(at, match.index), ' ');
    at = match.index + match[0].length;
  }
  parts.push(text.slice(at));
  return parts.join('');
}

/** The destinations named in `text`, each once. */
export function findDestinations(text: string): Destination[] {
  const found = new Map<string, Destination>();
  let rest = blankOut(normalizeText(text).text, URL_PATTERN, (raw) => {
    const value = raw.replace(/[.,;:!?]+$/, '').toLowerCase();
    // Without a readable host the URL is compared as it is, so it matches no entry and is refused.
    found.set(`url ${value}`, { kind: 'url', value, host: hostOf(value) || value });
  });
  rest = blankOut(rest, EMAIL_PATTERN, (raw) => {
    const value = raw.toLowerCase();
    const domain = value.slice(value.lastIndexOf('@') + 1);
    found.set(`email ${value}`, { kind: 'email', value, host: asciiHost(domain) || value });
  });
  rest = blankOut(rest, IPV4_PATTERN, (raw) => {
    found.set(`domain ${raw}`, { kind: 'domain', value: raw, host: raw });
  });
  blankOut(rest, DOMAIN_PATTERN, (raw) => {
    const value = raw.toLowerCase();
    const tld = value.slice(value.lastIndexOf('.') + 1);
    if (tld.length === 2 && FILE_EXTENSIONS.has(tld)) return;
    found.set(`domain ${value}`, { kind: 'domain', value, host: value });
  });
  return [...found.values()];
}

const IMG_TAG = /<img\b/gi;
const SRC_ATTRIBUTE = /\bsrc\s*=\s*["']?([^"'\s>]{1,2000})/i;
const MAX_TAG = 2000;

/** The host of a URL (`//host` read as https), lower case; '' when there is none. */
function hostOf(link: string): string {
  try {
    return new URL(link.startsWith('//') ? `https:${link}` : link).hostname.toLowerCase();
  } catch {
    return '';
  }
}

function isRemote(link: string): boolean {
  return /^(?:https?:)?\/\//i.test(link);
}

interface ImageSpan {
  readonly start: number;
  readonly end: number;
  readonly link: string;
}

/**
 * Markdown images `![alt](link "title")`, found by hand: each `![` is looked at once and reads at
 * most a bounded stretch, so hostile text cannot make the search quadratic.
 */
function markdownImages(text: string): ImageSpan[] {
  const found: ImageSpan[] = [];
  let close = -1;
  for (let at = text.indexOf('!['); at >= 0; at = text.indexOf('![', at + 2)) {
    // The first `](` after this `![`; reused while it is still ahead, so the search is linear.
    if (close < at + 2) close = text.indexOf('](', at + 2);
    if (close < 0) break;
    if (close - at > 502 || text.slice(at + 2, close).includes('\n')) continue;
    let p = close + 2;
    while (p < text.length && (text.charCodeAt(p) === 32 || text.charCodeAt(p) === 60)) p++;
    if (!isRemote(text.slice(p, p + 8))) continue;
    let end = p;
    const limit = Math.min(text.length, p + MAX_TAG);
    for (let c = text.charCodeAt(end); end < limit && c > 32 && c !== 0x29 && c !== 0x3e; c = text.charCodeAt(++end));
    const link = text.slice(p, end);
    let closing = end;
    const titleLimit = Math.min(text.length, end + 320);
    while (closing < titleLimit && text.charCodeAt(closing) !== 0x29) closing++;
    if (closing >= titleLimit) continue;
    found.push({ start: at, end: closing + 1, link });
    at = closing - 1;
  }
  return found;
}

/** HTML `<img … src=link …>` tags: the tag is cut at its first `>`, within MAX_TAG characters. */
function htmlImages(text: string): ImageSpan[] {
  const found: ImageSpan[] = [];
  IMG_TAG.lastIndex = 0;
  let close = -1;
  for (let m = IMG_TAG.exec(text); m !== null; m = IMG_TAG.exec(text)) {
    if (close < m.index) close = text.indexOf('>', m.index);
    if (close < 0) break;
    if (close - m.index > MAX_TAG) continue;
    const link = SRC_ATTRIBUTE.exec(text.slice(m.index, close))?.[1] ?? '';
    if (isRemote(link)) found.push({ start: m.index, end: close + 1, link });
    IMG_TAG.lastIndex = close + 1;
  }
  return found;
}

/** `text` with images pointing at hosts the policy does not allow replaced by a note; and how many. */
export function neutralizeImages(text: string, policy: DestinationPolicy): { text: string; count: number } {
  if (!text.includes('![') && !/<img/i.test(text)) return { text, count: 0 };
  const spans = [...markdownImages(text), ...htmlImages(text)].sort((x, y) => x.start - y.start);
  const parts: string[] = [];
  let at = 0;
  let count = 0;
  for (const span of spans) {
    if (span.start < at) continue;
    const host = hostOf(span.link);
    if (host !== '' && policy.allowsHost(host)) continue;
    count++;
    parts.push(text.slice(at, span.start), `[image removed by Gatehouse: external link to ${host === '' ? 'an unreadable address' : host}]`);
    at = span.end;
  }
  if (count === 0) return { text, count: 0 };
  parts.push(text.slice(at));
  return { text: parts.join(''), count };
}
