import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unifiedDiff } from './line-diff.js';

const labels = { from: 'a', to: 'b' };

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    assert.equal(unifiedDiff('x\ny\n', 'x\ny\n', labels), '');
  });

  it('shows a change with context and hunk positions', () => {
    const before = ['1', '2', '3', '4', '5', '6', '7', '8'].join('\n');
    const after = ['1', '2', '3', '4', 'five', '6', '7', '8'].join('\n');
    assert.equal(unifiedDiff(before, after, labels), '--- a\n+++ b\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n');
  });

  it('splits distant changes into hunks and handles added and removed texts', () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i}`);
    const after = [...before];
    after[1] = 'changed 1';
    after[18] = 'changed 18';
    const diff = unifiedDiff(before.join('\n'), after.join('\n'), labels);
    assert.equal(diff.match(/^@@/gm)?.length, 2);
    assert.equal(unifiedDiff('', 'new\ntext', labels), '--- a\n+++ b\n@@ -0,0 +1,2 @@\n+new\n+text\n');
    assert.equal(unifiedDiff('old', '', labels), '--- a\n+++ b\n@@ -1,1 +0,0 @@\n-old\n');
  });
});
