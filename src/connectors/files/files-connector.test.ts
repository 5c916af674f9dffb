import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { openTestStore, type TestStore } from '../../../test/support/stores.js';
import type { FilesConnectorConfig } from '../../config/schema.js';
import type { Caller, Power, ResourceRef } from '../../domain/types.js';
import { GatehouseError } from '../../errors/catalog.js';
import { silentLogger } from '../../ops/logger.js';
import type { Connector, ConnectorContext } from '../connector.js';
import { type FilesConnectorDeps, createFilesConnector } from './files-connector.js';
import type { DocumentHit, ReadDocument } from './files-connector.js';

const CALLER: Caller = {
  agent: { name: 'helper', owner: 'ops', description: undefined, groups: [], attributes: {}, actForUsers: false },
  keyId: 'k1',
  user: undefined,
};

/** A mayAccess that refuses one label and records every resource it was asked about. */
function context(deniedLabel = 'restricted'): ConnectorContext & { asked: ResourceRef[] } {
  const asked: ResourceRef[] = [];
  return {
    caller: CALLER,
    asked,
    mayAccess: (resource: ResourceRef, action: Power) => {
      asked.push(resource);
      assert.equal(action, 'read');
      return resource.attributes.label !== deniedLabel;
    },
    signal: new AbortController().signal,
  };
}

function codeOf(err: unknown): string {
  return err instanceof GatehouseError ? err.code : `not a GatehouseError: ${String(err)}`;
}

async function rejectsWith(promise: Promise<unknown>, code: string, what: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.equal(codeOf(err), code, what);
    return true;
  });
}

describe('files connector', () => {
  let ts: TestStore;
  let base: string;
  let root: string;
  const open: Connector[] = [];

  const write = (path: string, content: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  const config = (extra: Partial<FilesConnectorConfig> = {}): FilesConnectorConfig => ({
    name: 'docs', type: 'files', owner: 'ops', purpose: 'team documents', powers: ['read', 'search'], path: root,
    labels: { 'restricted/**': 'restricted', 'public/**': 'public' }, default_label: 'internal',
    max_results: 10, max_document_bytes: 64 * 1024, ...extra,
  });
  const connector = async (extra: Partial<FilesConnectorConfig> = {}, deps: Partial<FilesConnectorDeps> = {}) => {
    const c = createFilesConnector(config(extra), { store: ts.store, log: silentLogger, watch: false, reconcileIntervalMs: 0, ...deps });
    open.push(c);
    await c.start();
    return c;
  };
  const search = async (c: Connector, args: Record<string, unknown>, ctx = context()) => {
    const result = await c.execute('search', args, ctx);
    return { result, hits: (result.structured as { hits: DocumentHit[] }).hits, ctx };
  };

  beforeEach(async () => {
    ts = await openTestStore();
    base = realpathSync(mkdtempSync(join(tmpdir(), 'gatehouse-files-')));
    root = join(base, 'docs');
    mkdirSync(root);
    mkdirSync(join(base, 'outside'));
    writeFileSync(join(base, 'outside', 'passwd.md'), '# Outside\nexfilmarker budget');
    write('team/notes.md', '# Team notes\nThe budget review is on Friday.');
    write('public/faq.html', '<html><head><title>FAQ</title></head><body><p>Ask about the budget here.</p></body></html>');
    for (let i = 0; i < 40; i += 1) {
      write(`restricted/plan-${i}.md`, `# Zebracorn budget ${i}\nbudget budget budget zebracorn budget forecast budget`);
    }
    symlinkSync(join(base, 'outside', 'passwd.md'), join(root, 'escape.md'));
    symlinkSync(join(base, 'outside'), join(root, 'escape-dir'));
    symlinkSync(join(root, 'restricted', 'plan-1.md'), join(root, 'team', 'innocent.md'));
  });

  afterEach(async () => {
    for (const c of open.splice(0)) await c.close();
    await ts.cleanup();
    rmSync(base, { recursive: true, force: true });
  });

  it('offers only the operations within its powers, with strict input schemas', async () => {
    const both = await connector();
    assert.deepEqual(both.operations().map((o) => [o.name, o.power]), [['search', 'search'], ['read', 'read']]);
    const searchOp = both.operations()[0];
    assert.equal(searchOp?.inputSchema.additionalProperties, false);
    assert.deepEqual(searchOp?.inputSchema.required, ['query']);
    const readOnly = await connector({ powers: ['read'] });
    assert.deepEqual(readOnly.operations().map((o) => o.name), ['read']);
    await rejectsWith(readOnly.execute('search', { query: 'budget' }, context()), 'TOOL_UNKNOWN', 'search without power');
  });

  it('targets the connector for search and the canonical document for read', async () => {
    const c = await connector();
    assert.deepEqual(await c.target('search', { query: 'x' }), { type: 'Connector', id: 'docs', attributes: {}, parents: [] });
    assert.deepEqual(await c.target('read', { path: './team//notes.md' }), {
      type: 'Document', id: 'docs/team/notes.md',
      attributes: { path: 'team/notes.md', label: 'internal', connector: 'docs' },
      parents: [{ type: 'Connector', id: 'docs' }],
    });
    // A symlink inside the folder is named (and labelled) by the file it points to.
    const aliased = await c.target('read', { path: 'team/innocent.md' });
    assert.equal(aliased.id, 'docs/restricted/plan-1.md');
    assert.equal(aliased.attributes.label, 'restricted');
  });

  it('refuses path attacks in target and execute, for real', async () => {
    const c = await connector();
    const attacks: [string, string][] = [
      ['../etc/passwd', 'PATH_OUTSIDE_ROOT'], ['/etc/passwd', 'PATH_OUTSIDE_ROOT'], ['a/../../x', 'PATH_OUTSIDE_ROOT'],
      ['escape.md', 'PATH_OUTSIDE_ROOT'], ['escape-dir/passwd.md', 'PATH_OUTSIDE_ROOT'], ['team/notes.md\u0000', 'PATH_OUTSIDE_ROOT'],
      ['..\\outside\\passwd.md', 'PATH_OUTSIDE_ROOT'], [`${root}/team/notes.md`, 'PATH_OUTSIDE_ROOT'],
      ['escape-dir/no-such-file.md', 'PATH_OUTSIDE_ROOT'],
      ['team', 'DOCUMENT_NOT_FOUND'], ['.git/config', 'DOCUMENT_NOT_FOUND'],
    ];
    for (const [path, code] of attacks) {
      await rejectsWith(c.target('read', { path }), code, `target ${JSON.stringify(path)}`);
      await rejectsWith(c.execute('read', { path }, context('none')), code, `execute ${JSON.stringify(path)}`);
    }
    write('scan.pdf', '%PDF');
    await rejectsWith(c.target('read', { path: 'scan.pdf' }), 'DOCUMENT_UNSUPPORTED', 'pdf');
    await rejectsWith(c.execute('read', { path: 42 }, context()), 'ARGUMENTS_INVALID', 'number path');
    const { hits } = await search(c, { query: 'exfilmarker' }, context('none'));
    assert.equal(hits.length, 0);
  });

  it('search never leaks a restricted document, even when restricted ones rank first', async () => {
    const c = await connector();
    const { result, hits, ctx } = await search(c, { query: 'budget zebracorn', limit: 2 });
    assert.deepEqual(hits.map((h) => h.path).sort(), ['public/faq.html', 'team/notes.md']);
    assert.ok(ctx.asked.filter((r) => r.attributes.label === 'restricted').length >= 20, 'the restricted matches were considered and refused');
    const everything = JSON.stringify(result);
    assert.ok(!/zebracorn/i.test(everything), 'no restricted title or snippet text');
    assert.ok(!everything.includes('restricted/'), 'no restricted path');
    assert.match(result.summary, /^2 hits$/);
    for (const hit of hits) {
      assert.ok(ctx.asked.some((r) => r.id === `docs/${hit.path}` && r.type === 'Document'), 'every hit passed mayAccess');
      assert.equal(hit.provenance.source, `docs:${hit.path}`);
      assert.match(hit.provenance.version, /^[0-9a-f]{64}$/);
      assert.equal(hit.provenance.stale, false);
      assert.ok(result.text.includes(hit.path));
    }
    const permitted = await search(c, { query: 'zebracorn', limit: 3 }, context('none'));
    assert.equal(permitted.hits.length, 3);
    assert.ok(permitted.hits.every((h) => h.path.startsWith('restricted/')));
  });

  it('reads a permitted file fresh from disk with provenance; refuses a restricted one', async () => {
    const c = await connector();
    const result = await c.execute('read', { path: 'public/faq.html' }, context());
    const doc = result.structured as unknown as ReadDocument;
    assert.equal(doc.path, 'public/faq.html');
    assert.equal(doc.title, 'FAQ');
    assert.equal(doc.label, 'public');
    assert.equal(doc.content, 'Ask about the budget here.');
    assert.equal(result.text, doc.content);
    assert.equal(doc.provenance.stale, false);
    assert.equal(doc.provenance.modifiedAt, statSync(join(root, 'public/faq.html')).mtime.toISOString());
    assert.match(result.summary, /^read \d+ B$/);
    assert.deepEqual(result.provenance, [doc.provenance]);
    await rejectsWith(c.execute('read', { path: 'team/innocent.md' }, context()), 'POLICY_DENIED', 'symlink to restricted');
    write('team/huge.md', 'y'.repeat(70 * 1024));
    await rejectsWith(c.execute('read', { path: 'team/huge.md' }, context()), 'DOCUMENT_TOO_LARGE', 'over the size cap');
  });

  it('refuses a file over max_document_bytes as DOCUMENT_TOO_LARGE, after policy, and marks its hit stale', async () => {
    const c = await connector({ max_document_bytes: 1024 });
    write('team/huge.md', `# Huge
${'y'.repeat(2000)}`);
    write('restricted/huge.md', `# Huge
${'y'.repeat(2000)}`);
    await rejectsWith(c.execute('read', { path: 'team/huge.md' }, context()), 'DOCUMENT_TOO_LARGE', 'over the cap');
    await rejectsWith(c.execute('read', { path: 'restricted/huge.md' }, context()), 'POLICY_DENIED', 'restricted and over the cap');
    const err = await c.execute('read', { path: 'team/huge.md' }, context()).catch((e: unknown) => e);
    assert.ok(err instanceof GatehouseError);
    assert.equal(err.spec.status, 413);
    assert.equal(err.details.maxBytes, 1024);
    // An indexed file that grew past the cap is still a hit, but no longer matches what was indexed.
    write('team/notes.md', `# Team notes
The budget review is on Friday.${' '.repeat(2000)}`);
    const { hits } = await search(c, { query: 'Friday' });
    assert.equal(hits[0]?.path, 'team/notes.md');
    assert.equal(hits[0]?.provenance.stale, true);
  });

  it('targets a missing path as typed, with the label of its globs, so policy decides before existence shows', async () => {
    const c = await connector();
    const missing = await c.target('read', { path: './restricted//no-such-plan.md' });
    assert.deepEqual(missing, {
      type: 'Document', id: 'docs/restricted/no-such-plan.md',
      attributes: { path: 'restricted/no-such-plan.md', label: 'restricted', connector: 'docs' },
      parents: [{ type: 'Connector', id: 'docs' }],
    });
    // The same shape and label as an existing restricted document: the gateway denies both alike.
    const existing = await c.target('read', { path: 'restricted/plan-1.md' });
    assert.deepEqual({ ...missing.attributes, path: undefined }, { ...existing.attributes, path: undefined });
    assert.deepEqual(missing.parents, existing.parents);
    assert.equal((await c.target('read', { path: 'team/missing.md' })).attributes.label, 'internal');
    // Directories with a document's name and paths below a file are missing documents too.
    mkdirSync(join(root, 'restricted', 'folder.md'));
    for (const path of ['restricted/folder.md', 'restricted/plan-1.md/x.md', 'restricted/sub/deeper/x.md']) {
      assert.equal((await c.target('read', { path })).id, `docs/${path}`, path);
    }

    // execute: policy first; only a permitted caller learns that nothing is there.
    await rejectsWith(c.execute('read', { path: 'restricted/no-such-plan.md' }, context()), 'POLICY_DENIED', 'missing, restricted');
    await rejectsWith(c.execute('read', { path: 'restricted/plan-1.md' }, context()), 'POLICY_DENIED', 'existing, restricted');
    await rejectsWith(c.execute('read', { path: 'restricted/no-such-plan.md' }, context('none')), 'DOCUMENT_NOT_FOUND', 'missing, permitted');
    await rejectsWith(c.execute('read', { path: 'restricted/folder.md' }, context('none')), 'DOCUMENT_NOT_FOUND', 'directory, permitted');

    // What is refused without looking at the disk is refused alike whether or not it exists.
    write('restricted/scan.pdf', '%PDF');
    for (const path of ['restricted/scan.pdf', 'restricted/none.pdf']) {
      await rejectsWith(c.target('read', { path }), 'DOCUMENT_UNSUPPORTED', path);
    }
    for (const path of ['restricted', 'restricted/nothing']) {
      await rejectsWith(c.target('read', { path }), 'DOCUMENT_NOT_FOUND', path);
    }
  });

  it('targets a symlink named like a document by the file it points to, and reads it only if that is one', async () => {
    const c = await connector();
    write('restricted/scan.pdf', '%PDF');
    symlinkSync(join(root, 'restricted', 'scan.pdf'), join(root, 'team', 'scan.md'));
    const target = await c.target('read', { path: 'team/scan.md' });
    assert.equal(target.id, 'docs/restricted/scan.pdf');
    assert.equal(target.attributes.label, 'restricted');
    await rejectsWith(c.execute('read', { path: 'team/scan.md' }, context()), 'POLICY_DENIED', 'restricted target');
    await rejectsWith(c.execute('read', { path: 'team/scan.md' }, context('none')), 'DOCUMENT_UNSUPPORTED', 'not a document');
  });

  it('marks a hit stale when the file changed after indexing, and fresh after it is re-indexed', async () => {
    const c = await connector();
    const before = (await search(c, { query: 'Friday' })).hits;
    assert.equal(before[0]?.provenance.stale, false);
    write('team/notes.md', '# Team notes\nThe budget review moved to Monday, not Friday.');
    const stale = (await search(c, { query: 'Friday' })).hits;
    assert.equal(stale[0]?.path, 'team/notes.md');
    assert.equal(stale[0]?.provenance.stale, true);
    assert.equal(stale[0]?.provenance.version, before[0]?.provenance.version);
    const read = await c.execute('read', { path: 'team/notes.md' }, context());
    assert.match(read.text, /Monday/);
    assert.equal(read.provenance[0]?.stale, false);
    assert.notEqual(read.provenance[0]?.version, before[0]?.provenance.version);
    const after = (await search(c, { query: 'Monday' })).hits;
    assert.equal(after[0]?.provenance.stale, false);
    assert.equal(after[0]?.provenance.version, read.provenance[0]?.version);
  });

  it('drops hits whose file is gone from disk and lets the index catch up', async () => {
    const c = await connector();
    rmSync(join(root, 'team/notes.md'));
    const { hits, result } = await search(c, { query: 'Friday' });
    assert.equal(hits.length, 0);
    assert.equal(result.text, 'No documents matched.');
    const deadline = Date.now() + 15_000;
    while ((await ts.store.getDocument('docs', 'team/notes.md')) !== undefined) {
      if (Date.now() > deadline) assert.fail('gone document was not removed from the index');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });

  it('does not call a touched but unchanged file stale', async () => {
    const c = await connector();
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(root, 'team/notes.md'), later, later);
    const { hits } = await search(c, { query: 'Friday' });
    assert.equal(hits[0]?.provenance.stale, false);
  });

  it('checks arguments defensively', async () => {
    const c = await connector({ max_results: 5 });
    for (const args of [{}, { query: '' }, { query: '   ' }, { query: 'x'.repeat(501) }, { query: 7 },
      { query: 'budget', limit: 0 }, { query: 'budget', limit: 6 }, { query: 'budget', limit: 1.5 }, { query: 'budget', limit: '2' }]) {
      await rejectsWith(c.execute('search', args, context()), 'ARGUMENTS_INVALID', JSON.stringify(args));
    }
    await rejectsWith(c.execute('delete', {}, context()), 'TOOL_UNKNOWN', 'unknown operation');
  });

  it('a missing folder is CONNECTOR_UNAVAILABLE, never an empty answer', async () => {
    const missing = await connector({ path: join(base, 'nope') });
    assert.equal(missing.health().status, 'unavailable');
    await rejectsWith(missing.execute('search', { query: 'budget' }, context()), 'CONNECTOR_UNAVAILABLE', 'search');
    await rejectsWith(missing.target('read', { path: 'team/notes.md' }), 'CONNECTOR_UNAVAILABLE', 'target');

    const c = await connector();
    assert.equal(c.health().status, 'ok');
    assert.equal(c.health().facts.documents, 42);
    rmSync(root, { recursive: true });
    await rejectsWith(c.execute('search', { query: 'budget' }, context()), 'CONNECTOR_UNAVAILABLE', 'search after removal');
    await rejectsWith(c.execute('read', { path: 'team/notes.md' }, context()), 'CONNECTOR_UNAVAILABLE', 'read after removal');
    const health = c.health();
    assert.equal(health.status, 'unavailable');
    assert.equal(health.lastErrorCode, 'CONNECTOR_UNAVAILABLE');
  });

  it('is healthy while watching and follows changes on disk', async () => {
    const c = await connector({}, { watch: true, debounceMs: 30 });
    assert.equal(c.health().status, 'ok');
    write('team/new.md', '# New\nquasarword');
    const deadline = Date.now() + 15_000;
    for (;;) {
      const { hits } = await search(c, { query: 'quasarword' });
      if (hits.length === 1) break;
      if (Date.now() > deadline) assert.fail('watcher did not index the new file');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
});
