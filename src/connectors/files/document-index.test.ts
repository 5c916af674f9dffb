import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { openTestStore, type TestStore } from '../../../test/support/stores.js';
import { GatehouseError } from '../../errors/catalog.js';
import { silentLogger } from '../../ops/logger.js';
import { DocumentIndex, type DocumentIndexOptions, createLabeler } from './document-index.js';
import { documentVersion } from './document-text.js';

const LABELS = {
  'hr/payroll/**': 'restricted',
  'hr/**': 'confidential',
  '**/*.secret.md': 'restricted',
};

/** Poll `check` until it holds; fails after a generous bound. Not a timing assert. */
async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('createLabeler', () => {
  it('gives the label of the first matching glob in config order, else the default', () => {
    const labeler = createLabeler(LABELS, 'internal');
    assert.equal(labeler.labelOf('hr/payroll/2025.md'), 'restricted');
    assert.equal(labeler.labelOf('hr/leave.md'), 'confidential');
    assert.equal(labeler.labelOf('notes/plan.secret.md'), 'restricted');
    assert.equal(labeler.labelOf('plan.secret.md'), 'restricted');
    assert.equal(labeler.labelOf('readme.md'), 'internal');
    assert.deepEqual([...labeler.labels].sort(), ['confidential', 'internal', 'restricted']);
  });

  it('refuses globs that could never match a relative path', () => {
    for (const glob of ['/abs/**', '../up/**', 'a\\b']) {
      assert.throws(() => createLabeler({ [glob]: 'restricted' }, 'internal'), (err: unknown) =>
        err instanceof GatehouseError && err.code === 'CONFIG_INVALID');
    }
  });
});

describe('DocumentIndex', () => {
  let ts: TestStore;
  let base: string;
  let root: string;
  const indexes: DocumentIndex[] = [];

  const write = (path: string, content: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  const open = (extra: Partial<DocumentIndexOptions> = {}) => {
    const index = new DocumentIndex({
      connector: 'docs', root, store: ts.store, log: silentLogger, labeler: createLabeler(LABELS, 'internal'),
      maxDocumentBytes: 4096, now: () => new Date(), watch: false, reconcileIntervalMs: 0, ...extra,
    });
    indexes.push(index);
    return index;
  };
  const paths = async () => (await ts.store.listDocuments('docs')).map((d) => d.path).sort();

  beforeEach(async () => {
    ts = await openTestStore();
    base = realpathSync(mkdtempSync(join(tmpdir(), 'gatehouse-index-')));
    root = join(base, 'docs');
    mkdirSync(root);
    mkdirSync(join(base, 'outside'));
    writeFileSync(join(base, 'outside', 'leak.md'), '# Outside\noutsidemarker');
    write('readme.md', '# Readme\nwelcome');
    write('hr/leave.md', '# Leave\ndays off');
    write('hr/payroll/2025.md', '# Payroll\nsalaries');
    write('site/index.html', '<title>Site</title><p>hello</p>');
    write('data.csv', 'a,b');
    write('.git/HEAD.md', 'hidden');
    write('drafts/.wip.md', 'hidden file');
    write('big.md', 'x'.repeat(5000));
    symlinkSync(join(base, 'outside', 'leak.md'), join(root, 'leak.md'));
    symlinkSync(join(base, 'outside'), join(root, 'outside-dir'));
    symlinkSync(join(root, 'readme.md'), join(root, 'alias.md'));
  });

  afterEach(async () => {
    for (const index of indexes.splice(0)) await index.close();
    await ts.cleanup();
    rmSync(base, { recursive: true, force: true });
  });

  it('indexes documents with labels, versions and times; skips hidden, symlinks, others and oversize', async () => {
    const index = open();
    await index.start();
    assert.deepEqual(await paths(), ['hr/leave.md', 'hr/payroll/2025.md', 'readme.md', 'site/index.html']);
    const rows = new Map((await ts.store.listDocuments('docs')).map((d) => [d.path, d]));
    assert.equal(rows.get('hr/payroll/2025.md')?.label, 'restricted');
    assert.equal(rows.get('hr/leave.md')?.label, 'confidential');
    assert.equal(rows.get('readme.md')?.label, 'internal');
    assert.equal(rows.get('readme.md')?.title, 'Readme');
    assert.equal(rows.get('site/index.html')?.title, 'Site');
    assert.equal(rows.get('readme.md')?.version, documentVersion(Buffer.from('# Readme\nwelcome')));
    const hits = await ts.store.searchDocuments({ connector: 'docs', query: 'outsidemarker', labels: ['internal', 'restricted'], limit: 5 });
    assert.equal(hits.length, 0);
    const status = index.status();
    assert.equal(status.documents, 4);
    assert.equal(status.rootAvailable, true);
    assert.equal(status.firstScanDone, true);
  });

  it('reconciles changes, deletions and label changes; a second scan changes nothing', async () => {
    await open().start();
    write('readme.md', '# Readme v2\nchanged');
    unlinkSync(join(root, 'hr/leave.md'));
    write('new/added.txt', 'added');
    const first = await open({ labeler: createLabeler({ ...LABELS, 'new/**': 'restricted' }, 'internal') }).reconcile();
    assert.deepEqual(await paths(), ['hr/payroll/2025.md', 'new/added.txt', 'readme.md', 'site/index.html']);
    assert.equal(first.deleted, 1);
    assert.equal((await ts.store.getDocument('docs', 'readme.md'))?.title, 'Readme v2');
    assert.equal((await ts.store.getDocument('docs', 'new/added.txt'))?.label, 'restricted');
    const again = await open({ labeler: createLabeler({ ...LABELS, 'new/**': 'restricted' }, 'internal') }).reconcile();
    assert.deepEqual({ upserted: again.upserted, deleted: again.deleted, documents: again.documents }, { upserted: 0, deleted: 0, documents: 4 });
  });

  it('replicas indexing the same folder into one store converge', async () => {
    const [a, b] = [open(), open()];
    await Promise.all([a.reconcile(), b.reconcile(), a.reconcile(), b.reconcile()]);
    assert.deepEqual(await paths(), ['hr/leave.md', 'hr/payroll/2025.md', 'readme.md', 'site/index.html']);
    const again = await b.reconcile();
    assert.equal(again.upserted, 0);
  });

  it('drops a document whose directory becomes a symlink out of the folder', async () => {
    await open().start();
    rmSync(join(root, 'hr'), { recursive: true });
    mkdirSync(join(base, 'outside-hr', 'payroll'), { recursive: true });
    writeFileSync(join(base, 'outside-hr', 'payroll', '2025.md'), 'outsidemarker');
    writeFileSync(join(base, 'outside-hr', 'leave.md'), 'outsidemarker');
    symlinkSync(join(base, 'outside-hr'), join(root, 'hr'));
    await open().reconcile();
    assert.deepEqual(await paths(), ['readme.md', 'site/index.html']);
  });

  it('keeps the index when the folder disappears, and reports it unavailable', async () => {
    const index = open();
    await index.start();
    rmSync(root, { recursive: true });
    await assert.rejects(index.reconcile(), (err: unknown) => err instanceof GatehouseError && err.code === 'CONNECTOR_UNAVAILABLE');
    assert.equal(index.status().rootAvailable, false);
    assert.equal((await paths()).length, 4);
  });

  it('starts on a missing folder without failing and catches up once it exists', async () => {
    rmSync(root, { recursive: true });
    const index = open();
    await index.start();
    assert.equal(index.status().rootAvailable, false);
    assert.equal(index.status().firstScanDone, true);
    write('late.md', '# Late');
    await index.reconcile();
    assert.deepEqual(await paths(), ['late.md']);
    assert.equal(index.status().rootAvailable, true);
  });

  it('stops at the file cap and says so', async () => {
    const index = open({ maxFiles: 2, maxDocumentBytes: 1_000_000 });
    const report = await index.reconcile();
    assert.equal(report.truncated, true);
    assert.equal((await paths()).length, 2);
    assert.equal(index.status().truncated, true);
  });

  it('follows additions, changes, deletions and new directories through the watcher', async () => {
    const index = open({ watch: true, debounceMs: 30 });
    await index.start();
    assert.equal(index.status().watching, true);

    write('watched.md', '# Watched\nfirst');
    await eventually('added file indexed', async () => (await ts.store.getDocument('docs', 'watched.md')) !== undefined);

    write('watched.md', '# Watched\nsecond version');
    const v2 = documentVersion(Buffer.from('# Watched\nsecond version'));
    await eventually('modified file re-indexed', async () => (await ts.store.getDocument('docs', 'watched.md'))?.version === v2);

    unlinkSync(join(root, 'watched.md'));
    await eventually('deleted file removed', async () => (await ts.store.getDocument('docs', 'watched.md')) === undefined);

    write('deep/new/dir/file.txt', 'deep');
    await eventually('file in new directory indexed', async () => (await ts.store.getDocument('docs', 'deep/new/dir/file.txt')) !== undefined);

    renameSync(join(root, 'deep'), join(root, 'moved'));
    await eventually('moved directory re-indexed', async () => {
      const now = await paths();
      return now.includes('moved/new/dir/file.txt') && !now.includes('deep/new/dir/file.txt');
    });

    rmSync(join(root, 'hr'), { recursive: true });
    await eventually('deleted directory removed', async () => !(await paths()).some((p) => p.startsWith('hr/')));

    rmSync(join(root, 'site'), { recursive: true });
    mkdirSync(join(base, 'outside', 'site'));
    writeFileSync(join(base, 'outside', 'site', 'index.html'), '<p>outsidemarker</p>');
    symlinkSync(join(base, 'outside', 'site'), join(root, 'site'));
    await eventually('directory turned symlink removed', async () => !(await paths()).some((p) => p.startsWith('site/')));
  });
});
