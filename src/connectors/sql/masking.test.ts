import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskPositional, maskRow, maskValue } from './masking.js';

describe('masks', () => {
  it('partial keeps the first character and an e-mail domain', () => {
    assert.equal(maskValue('partial', 'jane.doe@example.com'), 'j***@example.com');
    assert.equal(maskValue('partial', 'Jonathan'), 'J***');
    assert.equal(maskValue('partial', 'Al'), '***');
    assert.equal(maskValue('partial', '@x'), '***');
    assert.equal(maskValue('partial', 'émile@exemple.fr'), 'é***@exemple.fr');
  });

  it('last4 keeps the last four characters; redact keeps nothing; NULL stays NULL', () => {
    assert.equal(maskValue('last4', '4111111111111111'), '***1111');
    assert.equal(maskValue('last4', 1234567), '***4567');
    assert.equal(maskValue('last4', '123'), '***');
    assert.equal(maskValue('redact', 'secret'), '***');
    assert.equal(maskValue('redact', null), null);
    assert.equal(maskValue('partial', undefined), null);
    assert.equal(maskValue('redact', { a: 1 }), '***');
  });

  it('masks rows by column and by position', () => {
    const masks = new Map([['email', 'partial' as const], ['card', 'last4' as const]]);
    assert.deepEqual(maskRow({ id: 1, email: 'a@b.io', card: '4242424242424242' }, masks), { id: 1, email: 'a***@b.io', card: '***4242' });
    assert.deepEqual(maskRow({ id: 1 }, masks), { id: 1 });
    assert.deepEqual(maskPositional([[1, 'a@b.io'], [2, null]], [undefined, 'partial']), [[1, 'a***@b.io'], [2, null]]);
  });
});
