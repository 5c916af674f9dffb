/**
 * Values of Kubernetes Secret manifests: in a YAML document (between `---` lines) or JSON object
 * with `kind: Secret`, the entries of `data:` (base64) and `stringData:` (plain). Entries that
 * name public or locating values (`ca.crt`, `namespace`, `username`, `host`) are left, and so are
 * placeholders, Helm templates and values that decode to a stand-in (`password`, `changeme`).
 */
import { Buffer } from 'node:buffer';
import { type ContextRule, passwordConfidence } from './context-rule.js';
import type { SecretMatch } from './secret-kinds.js';
import { isPlaceholder, looksFake } from './secret-value.js';

const KIND = 'KUBERNETES_SECRET';
/** Most characters of a document read around its `kind: Secret`. */
const MAX_DOC = 16384;

const PUBLIC_KEY_NAME = /(?:^|[._-])(?:crt|cert|certificate|ca|pub|namespace|user|username|login|email|host|hostname|port|url|uri|endpoint|database|db|name|region)$/i;

/** Confidence for a Secret entry's value (decoded when base64), or null. */
function entryConfidence(key: string, raw: string, base64: boolean): number | null {
  if (PUBLIC_KEY_NAME.test(key) || raw.length === 0 || isPlaceholder(raw)) return null;
  let value = raw;
  if (base64) {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(raw) || raw.length % 4 !== 0) return null;
    value = Buffer.from(raw, 'base64').toString('latin1');
  }
  if (value.length >= 16 && !isPlaceholder(value.trim()) && !looksFake(value)) return 0.8;
  const confidence = passwordConfidence(value, true, 0.8);
  return confidence === null ? null : confidence;
}

/** Pushes the entry `key: value` found at [start, end) of the text, quotes off. */
function pushEntry(key: string, text: string, start: number, end: number, base64: boolean, out: SecretMatch[]): void {
  let s = start;
  let e = end;
  const q = text.charCodeAt(s);
  if ((q === 0x22 || q === 0x27) && e - s >= 2 && text.charCodeAt(e - 1) === q) {
    s++;
    e--;
  }
  const confidence = entryConfidence(key, text.slice(s, e), base64);
  if (confidence !== null) out.push({ kind: KIND, start: s, end: e, confidence });
}

const YAML_BLOCK = /^([ \t]*)(data|stringData):[ \t]*$/gm;
const YAML_ENTRY = /^([ \t]+)(["']?)([\w.-]{1,253})\2:[ \t]*(\S[^\r\n]{0,8191}?)[ \t]*$/gmy;

/** The `data:` / `stringData:` entries of a YAML document [from, to). */
function yamlEntries(text: string, from: number, to: number, out: SecretMatch[]): void {
  const doc = text.slice(from, to);
  for (const block of doc.matchAll(YAML_BLOCK)) {
    const indent = (block[1] ?? '').length;
    const base64 = block[2] === 'data';
    YAML_ENTRY.lastIndex = (block.index ?? 0) + block[0].length + 1;
    for (let m = YAML_ENTRY.exec(doc); m !== null; m = YAML_ENTRY.exec(doc)) {
      if ((m[1] ?? '').length <= indent) break;
      const value = m[4] ?? '';
      const start = from + (m.index ?? 0) + m[0].length - value.length - (m[0].length - m[0].trimEnd().length);
      pushEntry(m[3] ?? '', text, start, start + value.length, base64, out);
      YAML_ENTRY.lastIndex = (m.index ?? 0) + m[0].length + 1;
    }
  }
}

const JSON_BLOCK = /"(data|stringData)"[ \t\r\n]*:[ \t\r\n]*\{([^{}]{0,8192})\}/g;
const JSON_ENTRY = /"([\w.-]{1,253})"[ \t\r\n]*:[ \t\r\n]*"([^"\\\n]{0,8192})"/g;

/** The `"data"` / `"stringData"` entries of a JSON object's text [from, to). */
function jsonEntries(text: string, from: number, to: number, out: SecretMatch[]): void {
  const doc = text.slice(from, to);
  for (const block of doc.matchAll(JSON_BLOCK)) {
    const body = block[2] ?? '';
    const bodyAt = from + (block.index ?? 0) + block[0].length - 1 - body.length;
    for (const m of body.matchAll(JSON_ENTRY)) {
      const value = m[2] ?? '';
      const start = bodyAt + (m.index ?? 0) + m[0].length - 1 - value.length;
      pushEntry(m[1] ?? '', text, start, start + value.length, block[1] === 'data', out);
    }
  }
}

/**
 * The YAML document holding `at`: from after the `---` line before it to the next `---` line,
 * looking at most {@link MAX_DOC} characters either way.
 */
function documentBounds(text: string, at: number): [number, number] {
  const back = Math.max(0, at - MAX_DOC);
  const before = text.slice(back, at).lastIndexOf('\n---');
  const from = before < 0 ? back : back + before + 4;
  const ahead = Math.min(text.length, at + MAX_DOC);
  const after = text.slice(at, ahead).indexOf('\n---');
  return [from, after < 0 ? ahead : at + after];
}

const KIND_SECRET = /kind["']?[ \t]*:[ \t]*["']?Secret(?![\w-])/y;

const kubernetesSecret: ContextRule = {
  anchors: [{ literal: 'kind: Secret' }, { literal: 'kind: "Secret"' }, { literal: "kind: 'Secret'" }, { literal: 'kind": "Secret"' }, { literal: 'kind":"Secret"' }],
  run(text, at, out) {
    KIND_SECRET.lastIndex = at;
    if (!KIND_SECRET.test(text)) return at + 1;
    const [from, to] = documentBounds(text, at);
    if (text.charCodeAt(at + 4) === 0x22) jsonEntries(text, from, to, out);
    else yamlEntries(text, from, to, out);
    return to;
  },
};

/** The Kubernetes Secret rule. */
export const KUBERNETES_RULES: readonly ContextRule[] = [kubernetesSecret];
