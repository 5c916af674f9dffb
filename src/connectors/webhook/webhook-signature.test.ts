import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { signatureHeader, verifySignature } from './webhook-signature.js';

describe('webhook signature', () => {
  const body = '{"text":"hi"}';

  it('is t=<unix>,v1=<hex HMAC-SHA-256 of "<t>.<body>">', () => {
    const expected = createHmac('sha256', 'k').update(`1700000000.${body}`).digest('hex');
    assert.equal(signatureHeader('k', 1700000000, body), `t=1700000000,v1=${expected}`);
  });

  it('verifies like a receiver: body, secret and tolerance', () => {
    const header = signatureHeader('k', 1700000000, body);
    assert.equal(verifySignature('k', header, body, { now: 1700000100 }), 'valid');
    assert.equal(verifySignature('k', header, `${body} `, { now: 1700000100 }), 'mismatch');
    assert.equal(verifySignature('other', header, body, { now: 1700000100 }), 'mismatch');
    assert.equal(verifySignature('k', header, body, { now: 1700001000 }), 'expired');
    assert.equal(verifySignature('k', 'v1=abc', body), 'malformed');
    const rotated = `${header},v1=${'0'.repeat(64)}`;
    assert.equal(verifySignature('k', rotated, body, { now: 1700000000 }), 'valid');
  });
});
