/**
 * How an exception is written to the log (pino's `err` serializer, for every process): its type,
 * message, stack, a string `code` and its causes, and nothing else an error object may carry.
 *
 * A database error gets more care, because Postgres echoes the values it was given: `detail`
 * ("Key (email)=(…) already exists", "Failing row contains (…)"), `where`, `internalQuery`, a
 * driver's `parameters`, and messages such as `invalid input syntax for type uuid: "…"` or
 * `value "…" is out of range`. Of those only the structural fields are logged (SQLSTATE code,
 * severity, schema, table, column, data type, constraint, routine), and in the message (and the
 * stack's first line, which repeats it) every double-quoted text is masked unless it is one of those
 * structural names: bound values never reach the log, names of tables and constraints still do.
 */

export interface LoggedError {
  type: string;
  message: string;
  stack?: string;
  code?: string;
  cause?: LoggedError;
  [field: string]: unknown;
}

/** The fields of a Postgres error (pg's DatabaseError, and MikroORM's exceptions, which copy them) that name no value. */
const structuralFields = ['severity', 'schema', 'table', 'column', 'dataType', 'constraint', 'routine'] as const;

/** Causes deeper than this are left out: enough for wrappers of wrappers, never a loop. */
const maxCauseDepth = 5;

type ErrorLike = Error & Record<string, unknown>;

const sqlState = /^[0-9A-Z]{5}$/;

/** A Postgres error as pg raises it, or as an ORM re-raises it: a SQLSTATE plus a server field. */
function isDatabaseError(error: ErrorLike): boolean {
  return typeof error.code === 'string' && sqlState.test(error.code) && (typeof error.severity === 'string' || typeof error.routine === 'string');
}

/** Only the stack's frames: its first lines are the message again, which must not come back unmasked. */
const framesOf = (stack: unknown): string[] =>
  typeof stack === 'string' ? stack.split('\n').filter((line) => /^\s+at /.test(line)) : [];

function maskValues(message: string, names: ReadonlySet<string>): string {
  return message.replace(/"([^"]*)"/g, (quoted, inner: string) => (names.has(inner) ? quoted : '"…"'));
}

function databaseFields(error: ErrorLike): { fields: Record<string, string>; names: Set<string> } {
  const fields: Record<string, string> = {};
  for (const field of structuralFields) {
    const value = error[field];
    if (typeof value === 'string') fields[field] = value;
  }
  const names = new Set(['schema', 'table', 'column', 'dataType', 'constraint'].flatMap((f) => (fields[f] ? [fields[f]] : [])));
  return { fields, names };
}

function typeOf(error: Error): string {
  // pg names every server error "error"; its constructor says more.
  const name = error.name && error.name !== 'error' ? error.name : error.constructor?.name;
  return name || 'Error';
}

function serialize(error: unknown, depth: number): LoggedError {
  if (!(error instanceof Error)) {
    return { type: typeof error, message: String(error) };
  }
  const e = error as ErrorLike;
  const type = typeOf(e);
  const logged: LoggedError = { type, message: e.message };
  if (isDatabaseError(e)) {
    const { fields, names } = databaseFields(e);
    logged.message = maskValues(e.message, names);
    logged.stack = [`${type}: ${logged.message}`, ...framesOf(e.stack)].join('\n');
    logged.code = e.code as string;
    Object.assign(logged, fields);
  } else {
    if (typeof e.stack === 'string') logged.stack = e.stack;
    if (typeof e.code === 'string') logged.code = e.code;
  }
  if (e.cause !== undefined && depth < maxCauseDepth) logged.cause = serialize(e.cause, depth + 1);
  return logged;
}

/** pino's `err` serializer: what of an exception may be logged (see above). */
export const errorForLog = (error: unknown): LoggedError => serialize(error, 0);
