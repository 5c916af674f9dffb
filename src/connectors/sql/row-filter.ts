/**
 * Row filters: a small declared expression per table that every read and write of that table is
 * confined to, bound to the caller's identity. Parsed strictly when the configuration is checked and
 * never concatenated into SQL: it becomes a list of conditions whose values are bound as parameters.
 *
 * Grammar (keywords are case-insensitive):
 *
 * ```
 * filter    = condition { "and" condition }
 * condition = column cmp operand
 *           | column ["not"] "in" ( placeholder | "(" literal { "," literal } ")" )
 *           | column "is" ["not"] "null"
 * cmp       = "=" | "!=" | "<>" | "<" | "<=" | ">" | ">="
 * operand   = placeholder | literal
 * placeholder = "{{" ( "user" | "agent" ) "." name "}}"      e.g. {{user.region}}, {{user.id}}, {{agent.name}}
 * literal   = 'text' ('' escapes a quote) | number | true | false
 * column    = identifier
 * ```
 *
 * Binding is fail-closed: a placeholder whose attribute is absent (or whose user is absent) refuses
 * the call with ROW_FILTER_UNSATISFIED; it never drops the condition. A set attribute binds only to
 * `in` (an empty set matches no rows).
 */
import type { AttributeValue, Caller } from '../../domain/types.js';
import { GatehouseError } from '../../errors/catalog.js';
import type { Condition, SqlValue } from './query-builder.js';

/** Comparison operators a row filter may use. */
export type FilterComparison = '=' | '!=' | '<' | '<=' | '>' | '>=';

/** A value in a row filter: a literal, or an attribute of the caller bound per call. */
export type FilterOperand =
  | { readonly kind: 'literal'; readonly value: string | number | boolean }
  | { readonly kind: 'attribute'; readonly of: 'user' | 'agent'; readonly name: string };

/** One parsed condition of a row filter. */
export type FilterClause =
  | { readonly column: string; readonly op: FilterComparison; readonly operand: FilterOperand }
  | { readonly column: string; readonly op: 'in' | 'not_in'; readonly operands: FilterOperand | readonly FilterOperand[] }
  | { readonly column: string; readonly op: 'is_null' | 'not_null' };

/** A parsed row filter: a conjunction of clauses. */
export interface RowFilter {
  readonly source: string;
  readonly clauses: readonly FilterClause[];
}

type Token =
  | { readonly t: 'ident'; readonly v: string }
  | { readonly t: 'op'; readonly v: string }
  | { readonly t: 'string'; readonly v: string }
  | { readonly t: 'number'; readonly v: number }
  | { readonly t: 'placeholder'; readonly of: 'user' | 'agent'; readonly name: string }
  | { readonly t: 'punct'; readonly v: '(' | ')' | ',' };

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const MAX_FILTER_LENGTH = 500;

/** Thrown by parseRowFilter; the config check reports `message` at the row_filter's path. */
export class RowFilterSyntaxError extends Error {
  override readonly name = 'RowFilterSyntaxError';
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s+|\{\{\s*(user|agent)\.([a-z_][a-z0-9_]*)\s*\}\}|'((?:[^']|'')*)'|(-?\d+(?:\.\d+)?)(?![A-Za-z0-9_.])|(<=|>=|<>|!=|=|<|>)|([A-Za-z_][A-Za-z0-9_]*)|([(),])/y;
  let at = 0;
  while (at < source.length) {
    re.lastIndex = at;
    const m = re.exec(source);
    if (m === null) throw new RowFilterSyntaxError(`unexpected "${source.slice(at, at + 12)}" at character ${at + 1}`);
    at = re.lastIndex;
    const [all, of, name, str, num, op, ident, punct] = m;
    if (/^\s+$/.test(all)) continue;
    if (of !== undefined && name !== undefined) tokens.push({ t: 'placeholder', of: of as 'user' | 'agent', name });
    else if (str !== undefined) tokens.push({ t: 'string', v: str.replace(/''/g, "'") });
    else if (num !== undefined) {
      const value = Number(num);
      if (!Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value))) throw new RowFilterSyntaxError(`number ${num} is out of range`);
      tokens.push({ t: 'number', v: value });
    } else if (op !== undefined) tokens.push({ t: 'op', v: op === '<>' ? '!=' : op });
    else if (ident !== undefined) tokens.push({ t: 'ident', v: ident });
    else if (punct !== undefined) tokens.push({ t: 'punct', v: punct as '(' | ')' | ',' });
    else throw new RowFilterSyntaxError(`unexpected "${all.slice(0, 12)}" at character ${at}`);
  }
  return tokens;
}

class FilterParser {
  #i = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  parse(): FilterClause[] {
    const clauses = [this.#clause()];
    while (this.#i < this.tokens.length) {
      this.#keyword('and', 'expected AND between conditions (OR is not supported)');
      clauses.push(this.#clause());
    }
    return clauses;
  }

  #next(what: string): Token {
    const token = this.tokens[this.#i];
    if (token === undefined) throw new RowFilterSyntaxError(`expected ${what} but the filter ended`);
    this.#i += 1;
    return token;
  }

  #peekKeyword(word: string): boolean {
    const token = this.tokens[this.#i];
    return token?.t === 'ident' && token.v.toLowerCase() === word;
  }

  #keyword(word: string, problem: string): void {
    if (!this.#peekKeyword(word)) throw new RowFilterSyntaxError(problem);
    this.#i += 1;
  }

  #clause(): FilterClause {
    const col = this.#next('a column name');
    if (col.t !== 'ident' || !IDENT.test(col.v) || ['and', 'or', 'not', 'in', 'is', 'null'].includes(col.v.toLowerCase())) {
      throw new RowFilterSyntaxError('each condition must start with a column name');
    }
    const column = col.v;
    if (this.#peekKeyword('is')) {
      this.#i += 1;
      const negate = this.#peekKeyword('not');
      if (negate) this.#i += 1;
      this.#keyword('null', 'expected NULL after IS');
      return { column, op: negate ? 'not_null' : 'is_null' };
    }
    const negate = this.#peekKeyword('not');
    if (negate) this.#i += 1;
    if (this.#peekKeyword('in')) {
      this.#i += 1;
      return { column, op: negate ? 'not_in' : 'in', operands: this.#inOperand() };
    }
    if (negate) throw new RowFilterSyntaxError('expected IN after NOT');
    const op = this.#next('a comparison operator');
    if (op.t !== 'op') throw new RowFilterSyntaxError(`expected a comparison operator after ${column}`);
    return { column, op: op.v as FilterComparison, operand: this.#operand() };
  }

  #inOperand(): FilterOperand | FilterOperand[] {
    const token = this.tokens[this.#i];
    if (token?.t === 'placeholder') {
      this.#i += 1;
      return { kind: 'attribute', of: token.of, name: token.name };
    }
    const open = this.#next('( or a {{user.…}} placeholder');
    if (open.t !== 'punct' || open.v !== '(') throw new RowFilterSyntaxError('expected a parenthesised list or a placeholder after IN');
    const list: FilterOperand[] = [];
    for (;;) {
      const operand = this.#operand();
      if (operand.kind !== 'literal') throw new RowFilterSyntaxError('lists after IN hold literals only; use IN {{user.attr}} for a set attribute');
      list.push(operand);
      const sep = this.#next(', or )');
      if (sep.t === 'punct' && sep.v === ')') return list;
      if (sep.t !== 'punct' || sep.v !== ',') throw new RowFilterSyntaxError('expected , or ) in the IN list');
    }
  }

  #operand(): FilterOperand {
    const token = this.#next('a value');
    switch (token.t) {
      case 'placeholder': return { kind: 'attribute', of: token.of, name: token.name };
      case 'string': return { kind: 'literal', value: token.v };
      case 'number': return { kind: 'literal', value: token.v };
      case 'ident': {
        const word = token.v.toLowerCase();
        if (word === 'true' || word === 'false') return { kind: 'literal', value: word === 'true' };
        throw new RowFilterSyntaxError(`"${token.v}" is not a value: use a quoted string, a number, true/false or {{user.attr}}`);
      }
      default: throw new RowFilterSyntaxError('expected a value');
    }
  }
}

/** Parse a row filter. Throws RowFilterSyntaxError saying what is wrong. */
export function parseRowFilter(source: string): RowFilter {
  if (source.length > MAX_FILTER_LENGTH) throw new RowFilterSyntaxError(`a row filter is at most ${MAX_FILTER_LENGTH} characters`);
  const tokens = tokenize(source);
  if (tokens.length === 0) throw new RowFilterSyntaxError('the row filter is empty');
  return Object.freeze({ source, clauses: Object.freeze(new FilterParser(tokens).parse()) });
}

/** Columns a filter refers to. */
export function filterColumns(filter: RowFilter): string[] {
  return [...new Set(filter.clauses.map((c) => c.column))];
}

function unsatisfied(table: string, operand: { of: string; name: string }, why: string): GatehouseError {
  return new GatehouseError('ROW_FILTER_UNSATISFIED', `The row filter of table "${table}" needs ${operand.of}.${operand.name}, which ${why}.`, {
    table, attribute: `${operand.of}.${operand.name}`,
  });
}

function attributeOf(caller: Caller, operand: { of: 'user' | 'agent'; name: string }, table: string): AttributeValue {
  if (operand.of === 'user') {
    const user = caller.user;
    if (user === undefined) throw unsatisfied(table, operand, 'is absent because the agent is not acting for a user');
    if (operand.name === 'id') return user.id;
    const value = user.attributes[operand.name];
    if (value === undefined) throw unsatisfied(table, operand, 'the acting user does not have');
    return value;
  }
  if (operand.name === 'name') return caller.agent.name;
  const value = caller.agent.attributes[operand.name];
  if (value === undefined) throw unsatisfied(table, operand, 'the agent does not have');
  return value;
}

function scalar(caller: Caller, operand: FilterOperand, table: string): SqlValue {
  if (operand.kind === 'literal') return operand.value;
  const value = attributeOf(caller, operand, table);
  if (typeof value === 'object') throw unsatisfied(table, operand, 'is a set and can only be used with IN');
  return value;
}

function list(caller: Caller, operands: FilterOperand | readonly FilterOperand[], table: string): SqlValue[] {
  if (Array.isArray(operands)) return (operands as readonly FilterOperand[]).map((o) => scalar(caller, o, table));
  const operand = operands as FilterOperand;
  if (operand.kind === 'literal') return [operand.value];
  const value = attributeOf(caller, operand, table);
  return typeof value === 'object' ? [...value] : [value];
}

/**
 * The conditions a filter imposes for this caller. Throws ROW_FILTER_UNSATISFIED when an attribute
 * it needs is missing: a filter can refuse a call, never widen it.
 */
export function bindRowFilter(filter: RowFilter | undefined, caller: Caller, table: string): Condition[] {
  if (filter === undefined) return [];
  return filter.clauses.map((clause): Condition => {
    switch (clause.op) {
      case 'is_null': return { column: clause.column, op: 'is_null' };
      case 'not_null': return { column: clause.column, op: 'not_null' };
      case 'in': case 'not_in': return { column: clause.column, op: clause.op, values: list(caller, clause.operands, table) };
      default: return { column: clause.column, op: clause.op, value: scalar(caller, clause.operand, table) };
    }
  });
}
