import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { type FolderChanges, FolderWatcher } from './folder-watcher.js';

/** Poll `check` until it holds; fails after a generous bound. Not a timing assert. */
async function eventually(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('FolderWatcher', () => {
  let base: string;
  let root: string;
  let batches: FolderChanges[];
  let errors: string[];
  const watchers: FolderWatcher[] = [];

  const open = (sink: FolderChanges[] = batches) => {
    const watcher = new FolderWatcher({
      debounceMs: 30, retryDelayMs: 60_000,
      onChanges: (changes) => sink.push(changes),
      onError: (message) => errors.push(message),
    });
    watchers.push(watcher);
    return watcher;
  };
  const seen = () => new Set(batches.flatMap((b) => [...b.names]));

  beforeEach(() => {
    base = realpathSync(mkdtempSync(join(tmpdir(), 'gatehouse-watcher-')));
    root = join(base, 'docs');
    mkdirSync(root);
    batches = [];
    errors = [];
  });

  afterEach(() => {
    for (const w of watchers.splice(0)) w.close();
    rmSync(base, { recursive: true, force: true });
  });

  it('hands over changed names, relative and /-separated, in batches', async () => {
    const watcher = open();
    assert.equal(watcher.watching, false);
    await watcher.ensure(root);
    assert.equal(watcher.watching, true);
    mkdirSync(join(root, 'sub'));
    writeFileSync(join(root, 'sub', 'a.md'), 'a');
    writeFileSync(join(root, 'b.md'), 'b');
    await eventually('both names reported', () => seen().has('sub/a.md') && seen().has('b.md'));
    assert.ok(batches.every((b) => b.names.size > 0 && !b.full));
    assert.deepEqual(errors, []);
  });

  it('keeps one watcher per folder and restarts it when the folder is replaced', async () => {
    const watcher = open();
    await watcher.ensure(root);
    await watcher.ensure(root);
    assert.equal(watcher.watching, true);
    renameSync(root, join(base, 'old'));
    mkdirSync(root);
    await watcher.ensure(root);
    writeFileSync(join(root, 'new.md'), 'new');
    await eventually('change in the new folder reported', () => seen().has('new.md'));
  });

  it('does nothing for a missing folder and nothing more once closed', async () => {
    const watcher = open();
    await watcher.ensure(join(base, 'missing'));
    assert.equal(watcher.watching, false);
    await watcher.ensure(root);
    watcher.close();
    assert.equal(watcher.watching, false);
    await watcher.ensure(root);
    assert.equal(watcher.watching, false);
    // A second watcher sees the write within the same debounce window the closed one would have used.
    const otherBatches: FolderChanges[] = [];
    const other = open(otherBatches);
    await other.ensure(root);
    writeFileSync(join(root, 'late.md'), 'late');
    await eventually('open watcher reports', () => otherBatches.some((b) => b.names.has('late.md')));
    assert.deepEqual(batches, []);
  });
});
