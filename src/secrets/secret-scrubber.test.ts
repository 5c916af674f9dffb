import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MIN_SCRUB_LENGTH, scrubbingLogger, SecretScrubber } from './secret-scrubber.js';

describe('SecretScrubber', () => {
  const value = 'p@ss word/"quoted"+9';
  const scrubber = new SecretScrubber();
  scrubber.remember('db', value);

  it('removes a remembered value in clear, JSON-escaped, URL-encoded and base64 forms', () => {
    for (const form of [value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value), Buffer.from(value).toString('base64')]) {
      const text = `before ${form} after`;
      assert.equal(scrubber.leaks(text), true, form);
      assert.equal(scrubber.scrubText(text), 'before [secret db redacted] after');
    }
  });

  it('cleans nested results, keys included, and returns clean values untouched', () => {
    const dirty = { headers: { authorization: value, [value]: 1 }, list: [`x${value}`, 2] };
    const clean = scrubber.scrubValue(dirty);
    assert.ok(!JSON.stringify(clean).includes('word/'));
    assert.equal(clean.list[1], 2);
    const untouched = { a: 'nothing here' };
    assert.equal(scrubber.scrubValue(untouched), untouched);
  });

  it('replaces a longer value before a shorter one it contains', () => {
    const s = new SecretScrubber();
    s.remember('short', 'abcdefgh');
    s.remember('long', 'abcdefgh-and-more');
    assert.equal(s.scrubText('abcdefgh-and-more'), '[secret long redacted]');
  });

  it('ignores values too short to be credentials', () => {
    const s = new SecretScrubber();
    s.remember('pin', 'x'.repeat(MIN_SCRUB_LENGTH - 1));
    assert.equal(s.active, false);
    assert.equal(s.scrubText('xxxxx'), 'xxxxx');
  });

  it('scrubs log messages and fields', () => {
    const lines: string[] = [];
    const write = (m: string, f?: object) => lines.push(`${m} ${JSON.stringify(f)}`);
    const log = scrubbingLogger({ debug: write, info: write, warn: write, error: write }, scrubber);
    log.warn(`failed with ${value}`, { detail: value });
    assert.equal(lines.length, 1);
    assert.ok(!lines[0]!.includes(value));
    assert.match(lines[0]!, /\[secret db redacted\].*\[secret db redacted\]/);
  });
});
