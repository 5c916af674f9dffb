import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatehouseError } from '../errors/catalog.js';
import { CallHealth } from './call-health.js';

describe('CallHealth', () => {
  const at = new Date('2026-12-01T10:00:00.000Z');
  const health = () => new CallHealth(() => at);

  it('records successes, system failures and latency', async () => {
    const h = health();
    assert.equal(await h.track(async () => 42), 42);
    assert.equal(h.snapshot().lastSuccessAt, at.toISOString());
    assert.equal(typeof h.snapshot().latencyMs, 'number');
    await assert.rejects(h.track(async () => {
      throw new GatehouseError('CONNECTOR_UNAVAILABLE', 'down.');
    }), { code: 'CONNECTOR_UNAVAILABLE' });
    assert.equal(h.failing, true);
    assert.equal(h.snapshot().lastErrorCode, 'CONNECTOR_UNAVAILABLE');
    await h.track(async () => 'back');
    assert.equal(h.failing, false);
    assert.equal(h.snapshot().lastErrorCode, 'CONNECTOR_UNAVAILABLE', 'the last error stays on record');
  });

  it('does not count the agent\'s mistakes or cancelled calls against the system', async () => {
    const h = health();
    await assert.rejects(h.track(async () => {
      throw new GatehouseError('ARGUMENTS_INVALID', 'bad.');
    }));
    assert.equal(h.failing, false);
    assert.equal(h.failed(new GatehouseError('UPSTREAM_TIMEOUT', 'gone.', { cancelled: true })), false);
    assert.equal(h.snapshot().lastErrorAt, undefined);
    assert.equal(h.failed(new Error('unexpected')), true);
    assert.equal(h.snapshot().lastErrorCode, 'INTERNAL_ERROR');
  });
});
