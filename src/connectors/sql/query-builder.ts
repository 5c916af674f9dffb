/**
 * Plans to SQL, per engine. Pure: identifiers come from configuration only (and are checked and
 * quoted here again), every value is a bound parameter, and the text is built left to right so
 * positional placeholders (`?`) line up with their values.
 */

/** The database engines the sql connector speaks. MariaDB is `mysql`. */
export type SqlEngine = 'postgres' | 'mysql' | 'sqlite';

/** A value bound to a statement. */
export type SqlValue = string | number | boolean | null;

/** A comparison a condition can make. */
export type ComparisonOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'like';

/** One condition on a column; conditions are joined with AND. */
export type Condition =
  | { readonly column: string; readonly op: ComparisonOp; readonly value: SqlValue }
  | { readonly column: string; readonly op: 'in' | 'not_in'; readonly values: readonly SqlValue[] }
  | { readonly column: string; readonly op: 'is_null' | 'not_null' };

/** SQL text and its parameters, in placeholder order. */
export interface SqlStatement {
  readonly text: string;
  readonly params: readonly SqlValue[];
}

/** One ORDER BY term. */
export interface SortTerm {
  readonly column: string;
  readonly descending: boolean;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Quote an identifier for `engine`. Throws on anything that is not a plain identifier: names reach
 * this function from configuration only, so a failure here is a bug, never an agent's input.
 */
export function quoteIdentifier(engine: SqlEngine, name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error('Refusing to quote an identifier that is not a plain SQL name.');
  return engine === 'mysql' ? `\`${name}\`` : `"${name}"`;
}

/** Collects bound values and hands out the engine's placeholder for each. */
export class ParamList {
  readonly values: SqlValue[] = [];
  constructor(readonly engine: SqlEngine) {}

  /** Bind `value` and return its placeholder. Booleans become 1/0 where the engine has no boolean type. */
  add(value: SqlValue): string {
    const bound = typeof value === 'boolean' && this.engine !== 'postgres' ? (value ? 1 : 0) : value;
    this.values.push(bound);
    return this.engine === 'postgres' ? `$${this.values.length}` : '?';
  }
}

/** SQL for one condition. */
export function conditionSql(engine: SqlEngine, condition: Condition, params: ParamList): string {
  const column = quoteIdentifier(engine, condition.column);
  switch (condition.op) {
    case 'is_null': return `${column} IS NULL`;
    case 'not_null': return `${column} IS NOT NULL`;
    case 'in':
    case 'not_in': {
      // An empty IN list matches nothing; an empty NOT IN list excludes nothing.
      if (condition.values.length === 0) return condition.op === 'in' ? '1 = 0' : '1 = 1';
      const list = condition.values.map((v) => params.add(v)).join(', ');
      return `${column} ${condition.op === 'in' ? 'IN' : 'NOT IN'} (${list})`;
    }
    case 'like': return `${column} LIKE ${params.add(condition.value)}`;
    case '!=': return `${column} <> ${params.add(condition.value)}`;
    default: return `${column} ${condition.op} ${params.add(condition.value)}`;
  }
}

/**
 * SQLite cannot interrupt a statement from outside, so reads there carry a per-row deadline check:
 * the SQLite driver registers this function, which fails the statement once its time is up. It takes
 * a column so that it is evaluated in the row loop rather than once up front.
 */
export const SQLITE_DEADLINE_FUNCTION = 'gatehouse_deadline';

/**
 * " WHERE a AND b" or "" for no conditions. With `deadlineColumn` on SQLite, the per-row deadline
 * check on that column comes first.
 */
export function whereSql(engine: SqlEngine, conditions: readonly Condition[], params: ParamList, deadlineColumn?: string): string {
  const terms = conditions.map((c) => `(${conditionSql(engine, c, params)})`);
  if (engine === 'sqlite' && deadlineColumn !== undefined) terms.unshift(`${SQLITE_DEADLINE_FUNCTION}(${quoteIdentifier(engine, deadlineColumn)})`);
  return terms.length === 0 ? '' : ` WHERE ${terms.join(' AND ')}`;
}

function columnList(engine: SqlEngine, columns: readonly string[]): string {
  if (columns.length === 0) throw new Error('A statement needs at least one column.');
  return columns.map((c) => quoteIdentifier(engine, c)).join(', ');
}

function nonNegativeInteger(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${what} must be a non-negative integer.`);
  return value;
}

/** A SELECT of declared columns from one table. */
export interface SelectPlan {
  readonly table: string;
  readonly columns: readonly string[];
  readonly where: readonly Condition[];
  readonly orderBy?: readonly SortTerm[];
  readonly limit: number;
  readonly offset?: number;
  /** Lock the selected rows for a following update (no-op on SQLite, whose write transaction locks the file). */
  readonly forUpdate?: boolean;
}

/** SELECT cols FROM table WHERE … ORDER BY … LIMIT n OFFSET m. */
export function buildSelect(engine: SqlEngine, plan: SelectPlan): SqlStatement {
  const params = new ParamList(engine);
  let text = `SELECT ${columnList(engine, plan.columns)} FROM ${quoteIdentifier(engine, plan.table)}${whereSql(engine, plan.where, params, plan.columns[0])}`;
  if (plan.orderBy !== undefined && plan.orderBy.length > 0) {
    text += ` ORDER BY ${plan.orderBy.map((s) => `${quoteIdentifier(engine, s.column)} ${s.descending ? 'DESC' : 'ASC'}`).join(', ')}`;
  }
  text += ` LIMIT ${nonNegativeInteger(plan.limit, 'limit')}`;
  if (plan.offset !== undefined && plan.offset > 0) text += ` OFFSET ${nonNegativeInteger(plan.offset, 'offset')}`;
  if (plan.forUpdate === true && engine !== 'sqlite') text += ' FOR UPDATE';
  return { text, params: params.values };
}

/** An UPDATE of some columns of the rows matching `where`. */
export interface UpdatePlan {
  readonly table: string;
  readonly set: readonly (readonly [string, SqlValue])[];
  readonly where: readonly Condition[];
}

/** UPDATE table SET a = ?, b = ? WHERE …. */
export function buildUpdate(engine: SqlEngine, plan: UpdatePlan): SqlStatement {
  if (plan.set.length === 0) throw new Error('An update needs at least one column.');
  if (plan.where.length === 0) throw new Error('Refusing to build an update without a condition.');
  const params = new ParamList(engine);
  const set = plan.set.map(([column, value]) => `${quoteIdentifier(engine, column)} = ${params.add(value)}`).join(', ');
  const text = `UPDATE ${quoteIdentifier(engine, plan.table)} SET ${set}${whereSql(engine, plan.where, params)}`;
  return { text, params: params.values };
}

/** DELETE FROM table WHERE …; never without a condition. */
export function buildDelete(engine: SqlEngine, plan: { readonly table: string; readonly where: readonly Condition[] }): SqlStatement {
  if (plan.where.length === 0) throw new Error('Refusing to build a delete without a condition.');
  const params = new ParamList(engine);
  return { text: `DELETE FROM ${quoteIdentifier(engine, plan.table)}${whereSql(engine, plan.where, params)}`, params: params.values };
}

/** An INSERT of one row. */
export interface InsertPlan {
  readonly table: string;
  readonly values: readonly (readonly [string, SqlValue])[];
  /** Column to return (the key), where the engine supports RETURNING. */
  readonly returning?: string;
}

/** INSERT INTO table (a, b) VALUES (?, ?) [RETURNING key]. */
export function buildInsert(engine: SqlEngine, plan: InsertPlan): SqlStatement {
  const params = new ParamList(engine);
  const columns = plan.values.map(([c]) => c);
  const text = columns.length === 0
    ? `INSERT INTO ${quoteIdentifier(engine, plan.table)} ${engine === 'mysql' ? '() VALUES ()' : 'DEFAULT VALUES'}`
    : `INSERT INTO ${quoteIdentifier(engine, plan.table)} (${columnList(engine, columns)}) VALUES (${plan.values.map(([, v]) => params.add(v)).join(', ')})`;
  const returning = plan.returning !== undefined && engine !== 'mysql' ? ` RETURNING ${quoteIdentifier(engine, plan.returning)}` : '';
  return { text: text + returning, params: params.values };
}
