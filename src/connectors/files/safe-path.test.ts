import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GatehouseError } from '../../errors/catalog.js';
import {
  findInRoot, isInsideRoot, normalizeRelativePath, readDocumentBytes, resolveInRoot, resolveRoot,
} from './safe-path.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof GatehouseError ? err.code : 'NOT_A_GATEHOUSE_ERROR';
  }
}

async function asyncCode(fn: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await fn();
    return undefined;
  } catch (err) {
    return err instanceof GatehouseError ? err.code : 'NOT_A_GATEHOUSE_ERROR';
  }
}

describe('normalizeRelativePath (pure)', () => {
  it('normalizes harmless paths', () => {
    assert.equal(normalizeRelativePath('a.md'), 'a.md');
    assert.equal(normalizeRelativePath('./a//b/./c.md'), 'a/b/c.md');
    assert.equal(normalizeRelativePath('dir/a...md'), 'dir/a...md');
  });

  it('refuses paths that could leave the folder', () => {
    for (const attack of ['../etc/passwd', '/etc/passwd', 'a/../../x', 'a/..', '..', '//etc/passwd',
      'a\\..\\..\\x', '..\\etc\\passwd', 'C:/Windows/win.ini', 'c:x', 'a\u0000.md', 'a.md\u0000.txt', 'a\nb.md']) {
      assert.equal(code(() => normalizeRelativePath(attack)), 'PATH_OUTSIDE_ROOT', JSON.stringify(attack));
    }
  });

  it('treats the folder itself and hidden entries as no document', () => {
    for (const path of ['.', './', '.env', 'a/.git/config.md', '.hidden/x.md']) {
      assert.equal(code(() => normalizeRelativePath(path)), 'DOCUMENT_NOT_FOUND', path);
    }
  });

  it('refuses non-strings and oversize paths as invalid arguments', () => {
    assert.equal(code(() => normalizeRelativePath(42)), 'ARGUMENTS_INVALID');
    assert.equal(code(() => normalizeRelativePath('')), 'ARGUMENTS_INVALID');
    assert.equal(code(() => normalizeRelativePath('a'.repeat(2000))), 'ARGUMENTS_INVALID');
  });

  it('isInsideRoot is strict', () => {
    assert.equal(isInsideRoot('/srv/docs', '/srv/docs/a.md'), true);
    assert.equal(isInsideRoot('/srv/docs', '/srv/docs'), false);
    assert.equal(isInsideRoot('/srv/docs', '/srv/docs-evil/a.md'), false);
    assert.equal(isInsideRoot('/srv/docs', '/srv/a.md'), false);
    assert.equal(isInsideRoot('/srv/docs', '/srv/docs/..a/b.md'), true);
  });
});

describe('resolveInRoot (real file system)', () => {
  let base: string;
  let root: string;

  before(() => {
    base = realpathSync(mkdtempSync(join(tmpdir(), 'gatehouse-safe-path-')));
    root = join(base, 'docs');
    const outside = join(base, 'outside');
    mkdirSync(join(root, 'sub'), { recursive: true });
    mkdirSync(join(root, '.hidden'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(root, 'a.md'), '# A\n');
    writeFileSync(join(root, 'sub', 'b.txt'), 'b');
    writeFileSync(join(root, '.hidden', 'h.md'), 'h');
    writeFileSync(join(outside, 'secret.md'), 'outside secret');
    symlinkSync(join(outside, 'secret.md'), join(root, 'escape.md'));
    symlinkSync(outside, join(root, 'escape-dir'));
    symlinkSync('../outside/secret.md', join(root, 'relative-escape.md'));
    symlinkSync(join(root, 'sub', 'b.txt'), join(root, 'inside-link.txt'));
    symlinkSync(join(root, '.hidden', 'h.md'), join(root, 'to-hidden.md'));
    symlinkSync(join(root, 'nowhere.md'), join(root, 'dangling.md'));
    execFileSync('mkfifo', [join(root, 'pipe.md')]);
  });

  after(() => rmSync(base, { recursive: true, force: true }));

  const resolve = (path: string) => resolveInRoot(root, normalizeRelativePath(path));

  it('resolves regular files to their canonical path', async () => {
    const file = await resolve('sub//b.txt');
    assert.equal(file.path, 'sub/b.txt');
    assert.equal(file.absolutePath, join(root, 'sub', 'b.txt'));
    assert.equal(file.size, 1);
  });

  it('follows symlinks inside the folder and names the real file', async () => {
    assert.equal((await resolve('inside-link.txt')).path, 'sub/b.txt');
  });

  it('refuses every escape, tried for real', async () => {
    for (const attack of ['../etc/passwd', '/etc/passwd', 'a/../../x', 'escape.md', 'relative-escape.md',
      'escape-dir/secret.md', 'a.md\u0000', '..\\outside\\secret.md', 'sub/../../outside/secret.md']) {
      assert.equal(await asyncCode(() => resolve(attack)), 'PATH_OUTSIDE_ROOT', attack);
    }
  });

  it('refuses directories, FIFOs, missing files and hidden targets as not found', async () => {
    for (const path of ['sub', 'pipe.md', 'missing.md', 'dangling.md', 'to-hidden.md', '.hidden/h.md', 'a.md/x']) {
      assert.equal(await asyncCode(() => resolve(path)), 'DOCUMENT_NOT_FOUND', path);
    }
  });

  it('findInRoot gives undefined where no document is, and still refuses escapes', async () => {
    const find = (path: string) => findInRoot(root, normalizeRelativePath(path));
    assert.equal((await find('inside-link.txt'))?.path, 'sub/b.txt');
    for (const path of ['sub', 'pipe.md', 'missing.md', 'dangling.md', 'to-hidden.md', 'a.md/x', 'sub/no/such/dir/x.md']) {
      assert.equal(await find(path), undefined, path);
    }
    for (const attack of ['escape.md', 'relative-escape.md', 'escape-dir/secret.md', 'escape-dir/missing.md',
      'escape-dir/no/such/dir/x.md']) {
      assert.equal(await asyncCode(() => find(attack)), 'PATH_OUTSIDE_ROOT', attack);
    }
  });

  it('resolveRoot reports a missing folder as CONNECTOR_UNAVAILABLE', async () => {
    assert.equal(await resolveRoot(root, 'docs'), root);
    assert.equal(await asyncCode(() => resolveRoot(join(base, 'gone'), 'docs')), 'CONNECTOR_UNAVAILABLE');
    assert.equal(await asyncCode(() => resolveRoot(join(root, 'a.md'), 'docs')), 'CONNECTOR_UNAVAILABLE');
  });

  it('readDocumentBytes caps the size and refuses symlinks and FIFOs', async () => {
    writeFileSync(join(root, 'big.md'), 'x'.repeat(5000));
    const small = await readDocumentBytes(join(root, 'a.md'), 1024);
    assert.equal(small.bytes.toString(), '# A\n');
    assert.equal(await asyncCode(() => readDocumentBytes(join(root, 'big.md'), 1024)), 'DOCUMENT_TOO_LARGE');
    assert.equal(await asyncCode(() => readDocumentBytes(join(root, 'escape.md'), 1024)), 'DOCUMENT_NOT_FOUND');
    assert.equal(await asyncCode(() => readDocumentBytes(join(root, 'pipe.md'), 1024)), 'DOCUMENT_NOT_FOUND');
  });
});
