/**
 * House conventions that tools hold rather than reviewers: no console in src/, no `export *`,
 * no barrel imports, no runtime import cycles, files of a reviewable size.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SRC = join(ROOT, 'src');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? tsFiles(path) : name.endsWith('.ts') ? [path] : [];
  });
}

const sources = tsFiles(SRC).filter((f) => !f.endsWith('.test.ts'));
const text = new Map(sources.map((f) => [f, readFileSync(f, 'utf8')]));

/** Value (non-type) imports of relative modules, resolved to .ts paths. */
function valueImports(file: string): string[] {
  const body = text.get(file) ?? '';
  const found: string[] = [];
  for (const match of body.matchAll(/^import\s+(?!type\b)([^;]*?)\s+from\s+'(\.{1,2}\/[^']+)';/gms)) {
    const clause = match[1] ?? '';
    // `import { type A, type B } from` is type-only too.
    if (/^\{[^}]*\}$/.test(clause.trim()) && clause.replace(/[{}\s]/g, '').split(',').every((p) => p.startsWith('type') || p === '')) continue;
    found.push(resolve(dirname(file), (match[2] ?? '').replace(/\.js$/, '.ts')));
  }
  return found;
}

describe('conventions', () => {
  it('src/ writes no console output (use the logger or Io)', () => {
    const offenders = sources.filter((f) => /\bconsole\.(log|error|warn|info|debug)\(/.test(text.get(f) ?? ''));
    assert.deepEqual(offenders.map((f) => relative(ROOT, f)), []);
  });

  it('has no export * and no imports through index.ts', () => {
    const offenders = sources.filter((f) => /export \*/.test(text.get(f) ?? '') || /from '\.[^']*\/index\.js'/.test(text.get(f) ?? ''));
    assert.deepEqual(offenders.map((f) => relative(ROOT, f)), []);
  });

  it('has no runtime import cycles', () => {
    const graph = new Map(sources.map((f) => [f, valueImports(f)]));
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file].map((p) => relative(SRC, p)).join(' → '));
        return;
      }
      state.set(file, 'visiting');
      for (const next of graph.get(file) ?? []) if (graph.has(next)) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    assert.deepEqual(cycles, []);
  });

  it('keeps source files reviewable (at most 450 lines)', () => {
    const long = sources.filter((f) => (text.get(f) ?? '').split('\n').length > 450).map((f) => relative(ROOT, f));
    assert.deepEqual(long, []);
  });
});
