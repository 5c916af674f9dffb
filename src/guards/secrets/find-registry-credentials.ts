/**
 * Credentials package and image registries keep in their clients' config files:
 *
 * - Docker `config.json`: `"auth": "<base64 of user:password>"`;
 * - `.npmrc`: `//registry/:_authToken=…`, `_auth=<base64 user:password>`, `_password=<base64>`;
 *   Yarn `.yarnrc.yml`: `npmAuthToken: …`, `npmAuthIdent: user:password`;
 * - `.pypirc`: `password = …` in a `[pypi]`, `[testpypi]`, `[distutils]` or `[server-login]` file;
 * - NuGet: `<add key="ClearTextPassword" value="…" />`.
 *
 * A base64 value counts only when it decodes to `user:password` with a real password.
 */
import { Buffer } from 'node:buffer';
import { type ContextRule, passwordConfidence, pushPassword, stickyAt } from './context-rule.js';
import { isPlaceholder, looksFake } from './secret-value.js';

const KIND = 'REGISTRY_CREDENTIAL';

/** Decoded base64 when `value` is base64 of printable ASCII, else null. */
function decodeBase64(value: string): string | null {
  if (value.length < 8 || value.length > 4096 || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return null;
  const decoded = Buffer.from(value, 'base64').toString('latin1');
  return /^[\x20-\x7e]+$/.test(decoded) ? decoded : null;
}

/** Confidence for `user:password` (plain), or null. */
function userPassConfidence(pair: string, base: number): number | null {
  const colon = pair.indexOf(':');
  if (colon <= 0) return null;
  return passwordConfidence(pair.slice(colon + 1), true, base);
}

const DOCKER_AUTH = /"auth"[ \t]*:[ \t]*"([A-Za-z0-9+/]{8,4096}={0,2})"/y;

/** Docker `config.json` registry auths. */
const dockerAuth: ContextRule = {
  anchors: [{ literal: '"auth"' }],
  run(text, at, out) {
    const m = stickyAt(DOCKER_AUTH, text, at);
    const value = m?.[1];
    if (m === null || value === undefined) return at + 1;
    const decoded = decodeBase64(value);
    const confidence = decoded === null ? null : userPassConfidence(decoded, 0.85);
    const start = at + m[0].length - 1 - value.length;
    if (confidence !== null) out.push({ kind: KIND, start, end: start + value.length, confidence });
    return at + m[0].length;
  },
};

const NPM_KEY = /(_authToken|_auth|_password|npmAuthToken|npmAuthIdent)["']?[ \t]{0,8}[=:][ \t]{0,8}(["']?)([^\s"'#;]{1,4096})\2/y;

/** The confidence of an npm / Yarn registry setting's value, or null. */
function npmConfidence(key: string, value: string): number | null {
  if (key === '_authToken' || key === 'npmAuthToken') {
    if (value.length < 8 || isPlaceholder(value) || looksFake(value) || /^[A-Za-z_]+$/.test(value)) return null;
    return 0.85;
  }
  const decoded = decodeBase64(value);
  if (key === '_password') return decoded === null ? null : passwordConfidence(decoded, true, 0.8);
  if (key === '_auth') return decoded === null ? null : userPassConfidence(decoded, 0.85);
  return userPassConfidence(decoded ?? value, 0.8);
}

/** `.npmrc` and `.yarnrc.yml` registry credentials. */
const npmrc: ContextRule = {
  anchors: ['_authToken', '_auth', '_password', 'npmAuthToken', 'npmAuthIdent'].map((literal) => ({ literal })),
  run(text, at, out) {
    const m = stickyAt(NPM_KEY, text, at);
    const value = m?.[3];
    if (m === null || value === undefined) return at + 1;
    const confidence = npmConfidence(m[1] ?? '', value);
    const start = at + m[0].length - (m[2] ?? '').length - value.length;
    if (confidence !== null) out.push({ kind: KIND, start, end: start + value.length, confidence });
    return at + m[0].length;
  },
};

const PYPIRC_PASSWORD = /^[ \t]*password[ \t]*[=:][ \t]*(\S{1,256})[ \t]*$/gm;

/** `.pypirc`: every `password = …` line in the 2 KiB after a section header. */
const pypirc: ContextRule = {
  anchors: ['[distutils]', '[pypi]', '[testpypi]', '[server-login]'].map((literal) => ({ literal })),
  run(text, at, out) {
    const end = Math.min(text.length, at + 2048);
    const block = text.slice(at, end);
    for (const m of block.matchAll(PYPIRC_PASSWORD)) {
      const value = m[1] ?? '';
      const start = at + (m.index ?? 0) + m[0].lastIndexOf(value);
      pushPassword(out, KIND, text, start, start + value.length, true, 0.8);
    }
    return end;
  },
};

const NUGET = /ClearTextPassword["']?[ \t]{1,8}value=(["'])([^"'\n]{1,256})\1/y;

/** NuGet package source credentials stored in clear. */
const nuget: ContextRule = {
  anchors: [{ literal: 'rTextPassword', offset: 4 }],
  run(text, at, out) {
    const m = stickyAt(NUGET, text, at);
    const value = m?.[2];
    if (m === null || value === undefined) return at + 1;
    const start = at + m[0].length - 1 - value.length;
    pushPassword(out, KIND, text, start, start + value.length, true, 0.85);
    return at + m[0].length;
  },
};

/** Every registry rule of this module. */
export const REGISTRY_RULES: readonly ContextRule[] = [dockerAuth, npmrc, pypirc, nuget];

