/**
 * Assertions shared by the secrets detector's tests (like fake-tokens.ts, used by tests only):
 * the finding on an exact value, its kind and confidence, and texts that must give no finding.
 */
import assert from 'node:assert/strict';
import type { Finding } from '../finding.js';
import { ALNUM, DIGITS, type FakeTokens } from './fake-tokens.js';
import { createSecretsDetector } from './secrets-detector.js';

const detector = createSecretsDetector();

/** A random password: nine letters and digits, then a digit. */
export function randomPassword(t: FakeTokens): string {
  return `${t.chars(ALNUM, 9)}${t.chars(DIGITS, 1)}`;
}

/** The finding whose span is exactly `value`, failing the test when there is none. */
export function findingFor(text: string, value: string): Finding {
  const findings = detector.detect(text);
  const hit = findings.find((f) => text.slice(f.start, f.end) === value);
  assert.ok(hit, `expected a finding on ${JSON.stringify(value)} in ${JSON.stringify(text)}; got ${JSON.stringify(findings)}`);
  return hit;
}

/** Asserts a finding of `kind`, with at least `minConfidence`, spans exactly `value` in `text`. */
export function expectSecret(text: string, value: string, kind: string, minConfidence = 0.5): Finding {
  const hit = findingFor(text, value);
  assert.equal(hit.kind, kind, JSON.stringify(hit));
  assert.equal(hit.detector, 'secrets');
  assert.ok(hit.confidence >= minConfidence, `${kind} confidence ${hit.confidence} < ${minConfidence}`);
  return hit;
}

/** Asserts no finding at all in each text. */
export function expectNone(texts: readonly string[]): void {
  for (const text of texts) {
    const findings = detector.detect(text);
    assert.deepEqual(findings.map((f) => `${f.kind}:${text.slice(f.start, f.end)}`), [], JSON.stringify(text));
  }
}
