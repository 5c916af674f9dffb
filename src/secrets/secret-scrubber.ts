/**
 * The gateway's last line of defence for connector credentials: every value the secret resolver
 * hands to a connector is remembered here (with its base64 and URL-encoded forms), and every tool
 * result, error message and log line leaving the gateway is cleaned of them. Connectors avoid
 * echoing credentials themselves; this catches an upstream that echoes one back in a body, a
 * header dump or an error text, whichever connector it came through.
 *
 * Values shorter than MIN_SCRUB_LENGTH are not remembered: replacing them would mangle ordinary
 * text, and a credential that short is not a credential.
 */

/** Shortest value scrubbed. */
export const MIN_SCRUB_LENGTH = 6;

import type { LogFields, Logger } from '../ops/logger.js';

/** What a scrubbed value is replaced with; names the secret, never its value. */
export const scrubMark = (name: string) => `[secret ${name} redacted]`;

export class SecretScrubber {
  /** Form of a value (as it may appear in text) → the secret's name. */
  readonly #forms = new Map<string, string>();
  /** Longest first, so a value is replaced before any shorter value it contains. */
  #ordered: readonly [string, string][] = [];

  /** Remember a value handed to a connector. Cheap when already known (once per resolve). */
  remember(name: string, value: string): void {
    if (value.length < MIN_SCRUB_LENGTH || this.#forms.get(value) === name) return;
    const forms = [
      value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value),
      Buffer.from(value).toString('base64'), Buffer.from(value).toString('base64url'),
    ];
    for (const form of forms) if (form.length >= MIN_SCRUB_LENGTH) this.#forms.set(form, name);
    this.#ordered = [...this.#forms].sort((a, b) => b[0].length - a[0].length);
  }

  /** Whether any value is known (nothing to do otherwise). */
  get active(): boolean {
    return this.#ordered.length > 0;
  }

  /** `text` with every known value replaced by its mark. */
  scrubText(text: string): string {
    let out = text;
    for (const [form, name] of this.#ordered) {
      if (out.includes(form)) out = out.split(form).join(scrubMark(name));
    }
    return out;
  }

  /** Whether `text` holds any known value. */
  leaks(text: string): boolean {
    for (const [form] of this.#ordered) if (text.includes(form)) return true;
    return false;
  }

  /** A JSON-like value with every string (keys included) scrubbed; the same object when clean. */
  scrubValue<T>(value: T): T {
    if (!this.active || !this.leaks(JSON.stringify(value) ?? '')) return value;
    return this.#deep(value) as T;
  }

  #deep(value: unknown): unknown {
    if (typeof value === 'string') return this.scrubText(value);
    if (Array.isArray(value)) return value.map((v) => this.#deep(v));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.scrubText(k), this.#deep(v)]));
    }
    return value;
  }
}

/** A logger that scrubs messages and fields before they are written. */
export function scrubbingLogger(log: Logger, scrubber: SecretScrubber): Logger {
  const clean = (write: (message: string, fields?: LogFields) => void) => (message: string, fields?: LogFields) => {
    if (!scrubber.active) return write(message, fields);
    return write(scrubber.scrubText(message), fields === undefined ? undefined : scrubber.scrubValue(fields));
  };
  return { debug: clean(log.debug.bind(log)), info: clean(log.info.bind(log)), warn: clean(log.warn.bind(log)), error: clean(log.error.bind(log)) };
}
