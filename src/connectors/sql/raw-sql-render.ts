/**
 * A checked raw query (raw-sql-guard.ts) to SQL. Pure. Every declared table is replaced by a derived
 * table that selects only its declared columns and applies its row filter, so the statement can see
 * nothing else whatever it does with what it sees. Text literals are bound as parameters; numbers,
 * booleans and NULL are written from their checked values; every compound expression is
 * parenthesised, so the tree the guard checked is the tree the database runs.
 */
import { ParamList, quoteIdentifier, whereSql, type Condition, type SqlEngine, type SqlStatement, type SqlValue } from './query-builder.js';
import type { RawExpr, RawQuery } from './raw-sql-guard.js';

class Renderer {
  constructor(private readonly engine: SqlEngine, private readonly query: RawQuery, private readonly params: ParamList) {}

  id(name: string): string {
    return quoteIdentifier(this.engine, name);
  }

  literal(value: SqlValue): string {
    if (value === null) return 'NULL';
    if (typeof value === 'boolean') return this.engine === 'sqlite' ? (value ? '1' : '0') : value ? 'TRUE' : 'FALSE';
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new Error('A non-finite number reached the renderer.');
      return value < 0 ? `(${String(value)})` : String(value);
    }
    return this.params.add(value);
  }

  expr(e: RawExpr): string {
    switch (e.k) {
      case 'col': {
        const source = this.query.sources[e.source];
        if (source === undefined) throw new Error('A column points at no table.');
        return `${this.id(source.alias)}.${this.id(e.column)}`;
      }
      case 'alias': return this.id(e.name);
      case 'lit': return this.literal(e.value);
      case 'bin': return `(${this.expr(e.left)} ${e.op} ${this.expr(e.right)})`;
      case 'not': return `(NOT ${this.expr(e.expr)})`;
      case 'neg': return `(- ${this.expr(e.expr)})`;
      case 'null': return `(${this.expr(e.expr)} IS ${e.negate ? 'NOT ' : ''}NULL)`;
      case 'in': {
        const head = this.expr(e.expr);
        return `(${head} ${e.negate ? 'NOT ' : ''}IN (${e.list.map((x) => this.expr(x)).join(', ')}))`;
      }
      case 'between': {
        const head = this.expr(e.expr);
        const low = this.expr(e.low);
        return `(${head} ${e.negate ? 'NOT ' : ''}BETWEEN ${low} AND ${this.expr(e.high)})`;
      }
      case 'like': {
        const head = this.expr(e.expr);
        return `(${head} ${e.negate ? 'NOT ' : ''}LIKE ${this.expr(e.pattern)})`;
      }
      case 'fn': {
        if (e.star) return 'COUNT(*)';
        return `${e.name}(${e.distinct ? 'DISTINCT ' : ''}${e.args.map((a) => this.expr(a)).join(', ')})`;
      }
      case 'case': {
        const whens = e.whens.map((w) => {
          const when = this.expr(w.when);
          return `WHEN ${when} THEN ${this.expr(w.then)}`;
        }).join(' ');
        const otherwise = e.otherwise === undefined ? '' : ` ELSE ${this.expr(e.otherwise)}`;
        return `(CASE ${whens}${otherwise} END)`;
      }
    }
  }

  /** `(SELECT declared columns FROM table WHERE row filter) AS alias`. */
  derived(index: number, filters: readonly Condition[]): string {
    const source = this.query.sources[index];
    if (source === undefined) throw new Error('No such table.');
    const columns = source.table.columns.map((c) => this.id(c)).join(', ');
    const where = whereSql(this.engine, filters, this.params, source.table.key);
    return `(SELECT ${columns} FROM ${this.id(source.table.name)}${where}) AS ${this.id(source.alias)}`;
  }
}

/**
 * The SQL for a checked raw query. `filters[i]` are the bound row-filter conditions of source i.
 * One row more than the limit is asked for, so the caller can tell the answer was cut short.
 */
export function renderRawSql(engine: SqlEngine, query: RawQuery, filters: readonly (readonly Condition[])[]): SqlStatement {
  const params = new ParamList(engine);
  const r = new Renderer(engine, query, params);
  const items = query.items.map((item) => `${r.expr(item.expr)}${item.alias === undefined ? '' : ` AS ${r.id(item.alias)}`}`).join(', ');
  let text = `SELECT ${query.distinct ? 'DISTINCT ' : ''}${items} FROM `;
  query.sources.forEach((source, i) => {
    const table = r.derived(i, filters[i] ?? []);
    if (i === 0) text += table;
    else text += ` ${source.join ?? 'CROSS JOIN'} ${table}${source.on === undefined ? '' : ` ON ${r.expr(source.on)}`}`;
  });
  if (query.where !== undefined) text += ` WHERE ${r.expr(query.where)}`;
  if (query.groupBy.length > 0) text += ` GROUP BY ${query.groupBy.map((g) => r.expr(g)).join(', ')}`;
  if (query.having !== undefined) text += ` HAVING ${r.expr(query.having)}`;
  if (query.orderBy.length > 0) text += ` ORDER BY ${query.orderBy.map((o) => `${r.expr(o.expr)} ${o.descending ? 'DESC' : 'ASC'}`).join(', ')}`;
  text += ` LIMIT ${Math.min(query.limit, query.maxRows) + 1}`;
  if (query.offset > 0) text += ` OFFSET ${query.offset}`;
  return { text, params: params.values };
}
