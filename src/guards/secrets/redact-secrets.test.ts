import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Finding } from '../finding.js';
import { ALNUM, FakeTokens } from './fake-tokens.js';
import { redactSecrets } from './redact-secrets.js';
import { createSecretsDetector } from './secrets-detector.js';

const t = new FakeTokens(31);

function finding(kind: string, start: number, end: number): Finding {
  return { detector: 'secrets', kind, start, end, confidence: 0.9 };
}

describe('redactSecrets', () => {
  it('replaces each span with [SECRET:KIND] and keeps the text around it', () => {
    const text = 'user=alice token=abc123xyz next=1';
    const start = text.indexOf('abc');
    assert.equal(redactSecrets(text, [finding('GENERIC_SECRET', start, start + 9)]), 'user=alice token=[SECRET:GENERIC_SECRET] next=1');
  });

  it('handles several findings in any order', () => {
    const text = 'a=SECRET1 b=SECRET2 c';
    const one = text.indexOf('SECRET1');
    const two = text.indexOf('SECRET2');
    const out = redactSecrets(text, [finding('PASSWORD', two, two + 7), finding('JWT', one, one + 7)]);
    assert.equal(out, 'a=[SECRET:JWT] b=[SECRET:PASSWORD] c');
  });

  it('merges overlapping and touching spans into one placeholder', () => {
    const text = '0123456789';
    assert.equal(redactSecrets(text, [finding('JWT', 2, 6), finding('GENERIC_SECRET', 4, 8)]), '01[SECRET:JWT]89');
    assert.equal(redactSecrets(text, [finding('JWT', 2, 4), finding('PASSWORD', 4, 6)]), '01[SECRET:JWT]6789');
  });

  it('clips spans outside the text and ignores malformed ones without throwing', () => {
    const text = 'abcdef';
    assert.equal(redactSecrets(text, [finding('JWT', -5, 2)]), '[SECRET:JWT]cdef');
    assert.equal(redactSecrets(text, [finding('JWT', 4, 99)]), 'abcd[SECRET:JWT]');
    const junk = [finding('JWT', 3, 3), finding('JWT', 5, 1), finding('JWT', Number.NaN, 2), finding('JWT', 1.5, 3), null as unknown as Finding];
    assert.equal(redactSecrets(text, junk), text);
    assert.equal(redactSecrets(text, []), text);
    assert.equal(redactSecrets(text, [finding('not a kind!', 0, 1)]), '[SECRET:SECRET]bcdef');
  });

  it('leaves nothing for the detector to find again', () => {
    const detector = createSecretsDetector();
    const token = t.checksummed('ghp_');
    const password = `${t.chars(ALNUM, 14)}9`;
    const text = `GITHUB_TOKEN=${token}\nDATABASE_URL=postgres://app:${password}@db:5432/app\nlog level=info`;
    const redacted = redactSecrets(text, detector.detect(text));
    assert.equal(redacted, 'GITHUB_TOKEN=[SECRET:GITHUB_TOKEN]\nDATABASE_URL=postgres://app:[SECRET:URL_PASSWORD]@db:5432/app\nlog level=info');
    assert.deepEqual(detector.detect(redacted), []);
  });
});
