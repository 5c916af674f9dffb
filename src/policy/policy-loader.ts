/**
 * Loads the Cedar policy files named by `config.policies`, gives every policy a stable id and
 * validates the whole set against the generated schema (strict mode). An invalid set never loads:
 * the error lists every problem with file:line and Cedar's message.
 */
import { Buffer } from 'node:buffer';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import picomatch from 'picomatch';
import { policyToJson, validate, type DetailedError, type PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { Config } from '../config/load.js';
import { GatehouseError } from '../errors/catalog.js';
import { buildCedarSchema, type CedarSchema } from './cedar-schema.js';

/** One policy, as loaded. */
export interface LoadedPolicy {
  /** Its `@id("...")` annotation, else `<file-basename>:<line>` (`:<column>` if a line holds several). */
  readonly id: string;
  readonly file: string;
  /** 1-based line and column of the policy's first character (its first annotation). */
  readonly line: number;
  readonly column: number;
  readonly text: string;
  readonly effect: 'permit' | 'forbid';
  readonly annotations: Readonly<Record<string, string>>;
  /** Cedar's JSON form, from which the authorizer reads scopes and needs. */
  readonly json: PolicyJson;
}

/** A policy file's text. */
export interface PolicySource {
  readonly file: string;
  readonly text: string;
}

/** A validated policy set and the schema it was validated against. */
export interface LoadedPolicies {
  readonly policies: readonly LoadedPolicy[];
  readonly schema: CedarSchema;
  readonly files: readonly string[];
  /** Not errors, but worth telling the operator (no policy files, unmatched globs, Cedar warnings). */
  readonly warnings: readonly string[];
}

/** One thing wrong with the policy set. */
export interface PolicyProblem {
  readonly file: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly policyId: string | undefined;
  readonly message: string;
}

/** Raised when the policy set cannot be used; carries every problem found. */
export class PolicyLoadError extends GatehouseError {
  readonly problems: readonly PolicyProblem[];
  constructor(problems: readonly PolicyProblem[]) {
    super('POLICY_INVALID', `The policy set has ${problems.length} problem(s):\n${problems.map(formatPolicyProblem).join('\n')}\n`, {
      problems: problems.length,
    });
    this.problems = problems;
  }
}

/** `  file:line:col [id]: message`, one line. */
export function formatPolicyProblem(p: PolicyProblem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}:${p.column ?? 1}`;
  return `  ${where}${p.policyId === undefined ? '' : ` [${p.policyId}]`}: ${p.message}`;
}

/** Read and validate every policy file of `config`. Throws PolicyLoadError (POLICY_INVALID). */
export function loadPolicies(config: Pick<Config, 'policies' | 'agents' | 'users' | 'identity' | 'baseDir'>): LoadedPolicies {
  const schema = buildCedarSchema(config);
  const found = findPolicyFiles(config.policies);
  const sources: PolicySource[] = [];
  const problems: PolicyProblem[] = [];
  for (const file of found.files) {
    try {
      sources.push({ file, text: readFileSync(file, 'utf8') });
    } catch {
      problems.push({ file, line: undefined, column: undefined, policyId: undefined, message: 'cannot read the file' });
    }
  }
  if (problems.length > 0) throw new PolicyLoadError(problems);
  const loaded = loadPolicySources(sources, schema, config.baseDir);
  return { ...loaded, warnings: [...found.warnings, ...loaded.warnings] };
}

/** Files matched by absolute globs, sorted, each once; a glob that matches nothing is a warning. */
export function findPolicyFiles(globs: readonly string[]): { files: string[]; warnings: string[] } {
  const files = new Set<string>();
  const warnings: string[] = [];
  for (const glob of globs) {
    const scan = picomatch.scan(glob);
    const isMatch = picomatch(glob);
    const matches = scan.isGlob ? walk(resolve(scan.base || '/')).filter((file) => isMatch(file)) : isFile(glob) ? [glob] : [];
    if (matches.length === 0) warnings.push(`policies: "${glob}" matches no file`);
    for (const m of matches) files.add(m);
  }
  if (globs.length === 0 || files.size === 0) warnings.push('no policy files are loaded: every call will be denied');
  return { files: [...files].sort(), warnings };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Every file below `dir`; symbolic links are followed to files but not into folders (no loops). */
function walk(dir: string): string[] {
  const out: string[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(path));
    else if (entry.isFile() || (entry.isSymbolicLink() && isFile(path))) out.push(path);
  }
  return out;
}

interface Parsed {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly text: string;
  readonly json: PolicyJson;
}

/**
 * The pure core of loading: split, parse, name and validate policy texts. `baseDir` disambiguates
 * generated ids of files that share a base name.
 */
export function loadPolicySources(sources: readonly PolicySource[], schema: CedarSchema, baseDir: string): LoadedPolicies {
  const problems: PolicyProblem[] = [];
  const parsed: Parsed[] = [];
  for (const source of sources) {
    for (const statement of splitPolicies(source.text)) {
      const answer = policyToJson(statement.text);
      if (answer.type === 'success') parsed.push({ file: source.file, ...statement, json: answer.json });
      else for (const e of answer.errors) problems.push(at(source.file, statement, e, undefined));
    }
  }
  const policies = assignIds(parsed, sources, baseDir, problems);
  const warnings = validateAll(policies, schema, problems);
  if (problems.length > 0) {
    throw new PolicyLoadError(problems.sort((a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0)));
  }
  return { policies, schema, files: sources.map((s) => s.file), warnings };
}

function assignIds(parsed: readonly Parsed[], sources: readonly PolicySource[], baseDir: string, problems: PolicyProblem[]): LoadedPolicy[] {
  const count = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  const names = new Map<string, number>();
  for (const s of sources) count(names, basename(s.file));
  const lines = new Map<string, number>();
  for (const p of parsed) count(lines, `${p.file}\u0000${p.line}`);
  const byId = new Map<string, Parsed>();
  const out: LoadedPolicy[] = [];
  for (const p of parsed) {
    const annotations = p.json.annotations ?? {};
    const short = (names.get(basename(p.file)) ?? 0) > 1 ? relative(baseDir, p.file) : basename(p.file);
    const where = (lines.get(`${p.file}\u0000${p.line}`) ?? 0) > 1 ? `${p.line}:${p.column}` : `${p.line}`;
    const id = annotations['id'] ?? `${short}:${where}`;
    const first = byId.get(id);
    if (first !== undefined) {
      problems.push({ file: p.file, line: p.line, column: 1, policyId: id, message: `duplicate policy id "${id}" (first used at ${first.file}:${first.line})` });
      continue;
    }
    byId.set(id, p);
    out.push(Object.freeze({ id, file: p.file, line: p.line, column: p.column, text: p.text, effect: p.json.effect, annotations: Object.freeze({ ...annotations }), json: p.json }));
  }
  return out;
}

/** Validate in strict mode; problems go to `problems`, warnings are returned. */
function validateAll(policies: readonly LoadedPolicy[], schema: CedarSchema, problems: PolicyProblem[]): string[] {
  if (policies.length === 0) return [];
  const byId = new Map(policies.map((p) => [p.id, p]));
  const answer = validate({
    schema: schema.text,
    policies: { staticPolicies: Object.fromEntries(policies.map((p) => [p.id, p.text])) },
    validationSettings: { mode: 'strict' },
  });
  if (answer.type === 'failure') {
    for (const e of answer.errors) problems.push({ file: '(schema)', line: undefined, column: undefined, policyId: undefined, message: e.message });
    return [];
  }
  // Cedar reports one error per action a policy applies to; say it once and list the actions.
  const merged = new Map<string, { problem: PolicyProblem; actions: string[] }>();
  for (const { policyId, error } of answer.validationErrors) {
    const policy = byId.get(policyId);
    const match = / for Gatehouse::Action::"([a-z]+)"/.exec(error.message);
    const base = policy === undefined
      ? { file: '(unknown)', line: undefined, column: undefined, policyId, message: error.message }
      : at(policy.file, policy, { ...error, message: error.message.replace(match?.[0] ?? '', '').split(`for policy \`${policyId}\`, `).join('') }, policyId);
    const key = `${policyId}\u0000${base.line ?? ''}\u0000${base.message}`;
    const entry = merged.get(key) ?? { problem: base, actions: [] };
    if (match?.[1] !== undefined) entry.actions.push(match[1]);
    merged.set(key, entry);
  }
  for (const { problem, actions } of merged.values()) {
    problems.push(actions.length === 0 ? problem : { ...problem, message: `${problem.message} (actions: ${actions.sort().join(', ')})` });
  }
  return [...answer.validationWarnings.map(({ policyId, error }) => {
    const p = byId.get(policyId);
    return `${p === undefined ? policyId : `${p.file}:${p.line} [${policyId}]`}: ${error.message}`;
  }), ...answer.otherWarnings.map((w) => w.message)];
}

/** A Cedar error inside a statement, placed at file:line:column. */
function at(file: string, statement: Statement, error: DetailedError, policyId: string | undefined): PolicyProblem {
  const offset = error.sourceLocations?.[0]?.start;
  let line = statement.line;
  let column = statement.column;
  if (offset !== undefined) {
    // Cedar counts UTF-8 bytes.
    const lines = Buffer.from(statement.text, 'utf8').subarray(0, offset).toString('utf8').split('\n');
    line += lines.length - 1;
    column = (lines.length === 1 ? statement.column : 1) + (lines.at(-1)?.length ?? 0);
  }
  const message = error.message.replace(/^failed to parse policy from string: /, '');
  const label = error.sourceLocations?.[0]?.label;
  const help = error.help === null || error.help === undefined ? '' : `; ${error.help}`;
  return { file, line, column, policyId, message: `${message}${label ? ` (${label})` : ''}${help}` };
}

/** One policy statement of a file: text from its first annotation to its `;`. */
interface Statement {
  readonly text: string;
  readonly line: number;
  readonly column: number;
}

/**
 * Split Cedar text into statements without parsing them, keeping each one's position (Cedar's own
 * splitter renumbers policies and loses positions). Skips `//` comments and string literals; an
 * unterminated last statement is returned as is, for Cedar to report.
 */
export function splitPolicies(text: string): Statement[] {
  const out: Statement[] = [];
  let line = 1;
  let lineStart = 0;
  let start = -1;
  let startLine = 1;
  let startColumn = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      line++;
      lineStart = i + 1;
    } else if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      i = (end === -1 ? text.length : end) - 1;
    } else if (c === '"') {
      if (start === -1) [start, startLine, startColumn] = [i, line, i - lineStart + 1];
      for (i++; i < text.length && text[i] !== '"'; i++) {
        if (text[i] === '\\') i++;
        else if (text[i] === '\n') [line, lineStart] = [line + 1, i + 1];
      }
    } else if (c === ';' && start !== -1) {
      out.push({ text: text.slice(start, i + 1), line: startLine, column: startColumn });
      start = -1;
    } else if (start === -1 && c !== undefined && !/\s/.test(c)) {
      [start, startLine, startColumn] = [i, line, i - lineStart + 1];
    }
  }
  if (start !== -1) out.push({ text: text.slice(start).trimEnd(), line: startLine, column: startColumn });
  return out;
}
