/**
 * Redaction of detector findings: labels numbered per kind and stable per value within one text,
 * masks that keep the shape and the last digits, and safe handling of overlapping or stray findings.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Finding } from '../finding.js';
import { createPiiDetector } from './pii-detector.js';
import { redactPii } from './redact-pii.js';

const detector = createPiiDetector();
const redact = (text: string, style: 'label' | 'mask'): string => redactPii(text, detector.detect(text), style);

describe('redactPii: labels', () => {
  it('numbers values per kind and gives the same value the same label', () => {
    const text = 'From jane@example.com to bob@example.org, cc JANE@example.com; call +44 20 7946 0958 or +44 20 7946 0958.';
    assert.equal(
      redact(text, 'label'),
      'From [EMAIL_1] to [EMAIL_2], cc [EMAIL_1]; call [PHONE_1] or [PHONE_1].',
    );
  });

  it('treats differently written forms of one number as the same value', () => {
    const text = 'card 4111 1111 1111 1111, again 4111-1111-1111-1111, other 5555555555554444';
    assert.equal(redact(text, 'label'), 'card [CREDIT_CARD_1], again [CREDIT_CARD_1], other [CREDIT_CARD_2]');
  });

  it('sees the same value through zero-width characters', () => {
    const text = 'jane@example.com and ja\u200Bne@example.com';
    assert.equal(redact(text, 'label'), '[EMAIL_1] and [EMAIL_1]');
  });

  it('starts numbering afresh for each text', () => {
    assert.equal(redact('bob@example.org', 'label'), '[EMAIL_1]');
    assert.equal(redact('jane@example.com', 'label'), '[EMAIL_1]');
  });
});

describe('redactPii: masks', () => {
  it('keeps the readable part of each kind', () => {
    assert.equal(redact('mail jane@example.com', 'mask'), 'mail j***@example.com');
    assert.equal(redact('card 4242424242424242', 'mask'), 'card **** **** **** 4242');
    assert.equal(redact('card 4111-1111-1111-1111', 'mask'), 'card ****-****-****-1111');
    assert.equal(redact('SSN 536-22-8726', 'mask'), 'SSN ***-**-8726');
    assert.equal(redact('tel +44 20 7946 0958', 'mask'), 'tel +** ** **** **58');
    assert.equal(redact('IBAN GB82 WEST 1234 5698 7654 32', 'mask'), 'IBAN GB** **** **** **** **54 32');
    assert.equal(redact('host 192.168.1.20', 'mask'), 'host 192.***.*.**');
    assert.equal(redact('DOB: 1985-03-12', 'mask'), 'DOB: 1985-**-**');
  });

  it('masks kinds it does not know whole, and drops zero-width characters from masks', () => {
    const secret: Finding = { detector: 'secrets', kind: 'AWS_ACCESS_KEY', start: 4, end: 24, confidence: 1 };
    assert.equal(redactPii('key AKIAIOSFODNN7EXAMPLE!', [secret], 'mask'), 'key ********************!');
    assert.equal(redactPii('key AKIAIOSFODNN7EXAMPLE!', [secret], 'label'), 'key [AWS_ACCESS_KEY_1]!');
    assert.equal(redact('card 4111\u200B1111 1111 1111', 'mask'), 'card ******** **** 1111');
  });
});

describe('redactPii: findings that overlap or do not fit', () => {
  it('merges overlapping findings so nothing inside either shows', () => {
    const text = 'abc 0123456789 xyz';
    const findings: Finding[] = [
      { detector: 'pii', kind: 'PHONE', start: 4, end: 10, confidence: 0.7 },
      { detector: 'secrets', kind: 'TOKEN', start: 8, end: 14, confidence: 0.9 },
    ];
    assert.equal(redactPii(text, findings, 'label'), 'abc [PHONE_1] xyz');
  });

  it('skips findings outside the text or with broken offsets, and leaves text without findings alone', () => {
    const text = 'hello world';
    const bad: Finding[] = [
      { detector: 'pii', kind: 'EMAIL', start: 5, end: 50, confidence: 1 },
      { detector: 'pii', kind: 'EMAIL', start: -1, end: 2, confidence: 1 },
      { detector: 'pii', kind: 'EMAIL', start: 3, end: 3, confidence: 1 },
      { detector: 'pii', kind: 'EMAIL', start: 1.5, end: 4, confidence: 1 },
    ];
    assert.equal(redactPii(text, bad, 'mask'), text);
    assert.equal(redactPii(text, [], 'label'), text);
  });

  it('handles findings in any order', () => {
    const text = 'a jane@example.com b bob@example.org c';
    const findings = detector.detect(text).reverse();
    assert.equal(redactPii(text, findings, 'label'), 'a [EMAIL_1] b [EMAIL_2] c');
  });
});
