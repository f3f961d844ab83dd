/**
 * Manual merge candidates as an import brings them in (SPEC §5, issue 5): their columns (the names
 * of a CSV header, and the fields of a JSON item, which are the same snake_case names) and the
 * check of each candidate, which the workers run on a whole chunk at once. Pure: a candidate's
 * problems come back all at once, so a user fixes a record in one go: each with its column, value
 * and rule code (a failed task's `extensions.fields`), and as text naming each column (its message).
 */
import { columnProblems, parseHeader, parseRecords } from '../csv/fields';
import { fieldProblem, problemMessages, recordProblem, type FieldProblem, type FieldRule } from '../platform/field-rules';
import { isUuid } from '../platform/formats';

/** A JSON upload is parsed whole, so it is bounded by a count; a CSV streams, bounded by its size. */
export const maxJsonCandidates = 100_000;

export const mandatoryCandidateColumns = ['merge_candidate_id', 'person_id', 'master_person_id'] as const;
export const optionalCandidateColumns = [
  'person_first_name', 'person_last_name', 'person_birth_date', 'master_first_name', 'master_last_name', 'master_birth_date',
] as const;
export const candidateColumns = [...mandatoryCandidateColumns, ...optionalCandidateColumns] as const;
export type CandidateColumn = (typeof candidateColumns)[number];
export const isCandidateColumn = (name: string): name is CandidateColumn => (candidateColumns as readonly string[]).includes(name);

export const maxNameLength = 255;

/** Kept in the job's meta: how its tasks' input is to be read. */
export type MergeCandidateJobMeta = { source: 'csv'; csvHeader: string } | { source: 'json' };

/** Kept in a task's meta: where its candidate was in the upload. */
export type MergeCandidateTaskMeta = { csvDataLine: number } | { index: number };

export interface PersonDetails {
  firstName: string | null;
  lastName: string | null;
  /** YYYY-MM-DD. */
  birthDate: string | null;
}

export interface CandidateDraft {
  mergeCandidateId: string;
  personId: string;
  masterPersonId: string;
  person: PersonDetails;
  master: PersonDetails;
}

/** A candidate's problems one by one; a good candidate allocates nothing for them. */
export type CandidateCheck = { ok: true; candidate: CandidateDraft } | { ok: false; fields: FieldProblem[] };

/** The same, with each problem as the text the task's message joins. */
export type CandidateVerdict = { ok: true; candidate: CandidateDraft } | { ok: false; problems: string[] };

const verdictOf = (check: CandidateCheck): CandidateVerdict => (check.ok ? check : { ok: false, problems: problemMessages(check.fields) });
const malformed = (rule: FieldRule, message: string): CandidateCheck => ({ ok: false, fields: [recordProblem(rule, message)] });

/** Problems of a header row: missing mandatory, unknown and repeated columns; empty when fine. */
export function candidateHeaderProblems(columns: readonly string[]): string[] {
  return columnProblems(columns, isCandidateColumn, mandatoryCandidateColumns);
}

const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real day of the (proleptic Gregorian) calendar that Postgres' `date` accepts. */
function isCalendarDate(text: string): boolean {
  const match = datePattern.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return year >= 1 && day >= 1 && day <= days;
}

const show = (value: unknown): string => {
  const json = JSON.stringify(typeof value === 'string' && value.length > 40 ? `${value.slice(0, 40)}…` : value) ?? String(value);
  return json.length > 60 ? `${json.slice(0, 60)}…` : json;
};

/** One candidate's values by column, from a CSV record (`column`) or a JSON item (`field`). */
class CandidateReader {
  readonly problems: FieldProblem[] = [];

  constructor(
    private readonly value: (column: CandidateColumn) => unknown,
    private readonly noun: 'column' | 'field',
  ) {}

  /** `value` as the check saw it: text trimmed, anything else (a JSON number, array…) as JSON. */
  private problem(column: CandidateColumn, rule: FieldRule, message: string, value: unknown): null {
    const text = typeof value === 'string' ? value.trim() : value === undefined ? '' : (JSON.stringify(value) ?? String(value));
    this.problems.push(fieldProblem(column, text, rule, `${this.noun} "${column}" ${message}`));
    return null;
  }

  uuid(column: CandidateColumn): string | null {
    const value = this.value(column);
    const text = typeof value === 'string' ? value.trim() : value;
    if (text === undefined || text === null || text === '') return this.problem(column, 'required', 'is required', '');
    if (typeof text !== 'string' || !isUuid(text)) return this.problem(column, 'uuid', `must be a UUID, got ${show(value)}`, value);
    return text.toLowerCase();
  }

  /** An optional value: absent, null or blank is null (not given); anything but text is a problem. */
  private optional(column: CandidateColumn): string | null {
    const value = this.value(column);
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') return this.problem(column, 'string', `must be a string, got ${show(value)}`, value);
    const text = value.trim();
    return text === '' ? null : text;
  }

  name(column: CandidateColumn): string | null {
    const text = this.optional(column);
    if (text !== null && text.length > maxNameLength) {
      return this.problem(column, 'max_length', `is longer than ${maxNameLength} characters (${text.length})`, text);
    }
    return text;
  }

  date(column: CandidateColumn): string | null {
    const text = this.optional(column);
    if (text === null || isCalendarDate(text)) return text;
    return this.problem(column, 'date', `must be a date YYYY-MM-DD, got ${show(text)}`, text);
  }

  samePerson(): void {
    this.problems.push(recordProblem('distinct_persons', `${this.noun}s "person_id" and "master_person_id" must name two different persons`));
  }
}

function readCandidate(r: CandidateReader): CandidateCheck {
  const candidate = {
    mergeCandidateId: r.uuid('merge_candidate_id'),
    personId: r.uuid('person_id'),
    masterPersonId: r.uuid('master_person_id'),
    person: { firstName: r.name('person_first_name'), lastName: r.name('person_last_name'), birthDate: r.date('person_birth_date') },
    master: { firstName: r.name('master_first_name'), lastName: r.name('master_last_name'), birthDate: r.date('master_birth_date') },
  };
  if (candidate.personId !== null && candidate.personId === candidate.masterPersonId) r.samePerson();
  // The ids are non-null whenever no problem was recorded.
  return r.problems.length > 0 ? { ok: false, fields: r.problems } : { ok: true, candidate: candidate as CandidateDraft };
}

/** A chunk of CSV records of one file: parsed together, then each checked against the header. */
function checkCsvCandidateFields(header: string, records: readonly string[]): CandidateCheck[] {
  const columns = parseHeader(header);
  if (!columns.ok) throw new Error(`stored header does not parse: ${columns.problem}`);
  const width = columns.fields.length;
  const index = new Map(columns.fields.map((c, i) => [c, i]));
  return parseRecords(records).map((parsed): CandidateCheck => {
    if (!parsed.ok) return malformed('malformed_csv', parsed.problem);
    if (parsed.fields.length !== width) return malformed('field_count', `the record has ${parsed.fields.length} fields but the header has ${width}`);
    const at = (column: CandidateColumn): string | undefined => {
      const i = index.get(column);
      return i === undefined ? undefined : parsed.fields[i];
    };
    return readCandidate(new CandidateReader(at, 'column'));
  });
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** JSON items, each the text of one object of the uploaded array. */
function checkJsonCandidateFields(items: readonly string[]): CandidateCheck[] {
  return items.map((text): CandidateCheck => {
    let item: unknown;
    try {
      item = JSON.parse(text);
    } catch {
      return malformed('malformed_json', 'the item is not valid JSON');
    }
    if (!isObject(item)) return malformed('not_object', 'the item must be a JSON object');
    return readCandidate(new CandidateReader((column) => (Object.hasOwn(item, column) ? item[column] : undefined), 'field'));
  });
}

export const checkCsvCandidates = (header: string, records: readonly string[]): CandidateVerdict[] =>
  checkCsvCandidateFields(header, records).map(verdictOf);

export const checkJsonCandidates = (items: readonly string[]): CandidateVerdict[] => checkJsonCandidateFields(items).map(verdictOf);

/** A chunk of one job's inputs, read the way the job's meta says they were uploaded; problems one by one. */
export const checkCandidateFields = (jobMeta: MergeCandidateJobMeta, inputs: readonly string[]): CandidateCheck[] =>
  jobMeta.source === 'csv' ? checkCsvCandidateFields(jobMeta.csvHeader, inputs) : checkJsonCandidateFields(inputs);

/** The same, the problems as text. */
export const checkCandidates = (jobMeta: MergeCandidateJobMeta, inputs: readonly string[]): CandidateVerdict[] =>
  checkCandidateFields(jobMeta, inputs).map(verdictOf);

/**
 * How a task's error messages name its record: the line a CSV record starts on, or the JSON path
 * of an item of the uploaded array (0-based, as `meta.index` and the api's `inputErrors` paths).
 */
export const placeOf = (taskMeta: MergeCandidateTaskMeta): string =>
  'csvDataLine' in taskMeta ? `Line ${taskMeta.csvDataLine}` : `$[${taskMeta.index}]`;

export const candidateErrorMessage = (place: string, problems: readonly string[]): string => `${place}: ${problems.join('; ')}`;

export const duplicatePairMessage = (place: string): string =>
  `${place}: the pair (master_person_id, person_id) is already a merge candidate`;

/** The key of the unique `(master_person_id, person_id)`. */
export const pairKey = (c: { masterPersonId: string; personId: string }): string => `${c.masterPersonId}/${c.personId}`;

export interface PersonRow extends PersonDetails {
  id: string;
}

/**
 * The persons a set of candidates names, once each (one statement may not insert a row twice),
 * sorted by id: the rows to insert for those not stored yet. A detail comes from the first
 * candidate (in upload order) that gives it; a detail no candidate gives stays null. Later
 * candidates that give another value find it in `personDifferences`.
 */
export function personsOf(candidates: readonly CandidateDraft[]): PersonRow[] {
  const persons = new Map<string, PersonRow>();
  const add = (id: string, details: PersonDetails): void => {
    const known = persons.get(id);
    persons.set(id, {
      id,
      firstName: known?.firstName ?? details.firstName,
      lastName: known?.lastName ?? details.lastName,
      birthDate: known?.birthDate ?? details.birthDate,
    });
  };
  for (const c of candidates) {
    add(c.personId, c.person);
    add(c.masterPersonId, c.master);
  }
  return [...persons.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * A detail an upload gave for a person that is stored with another value. The import never
 * changes a stored person (reviewers decide on those details): it keeps the stored value and says
 * so in the task's meta. `field` is the upload's column (or JSON field) that gave the value. The
 * stored value is not repeated: uploading needs no right to read persons, so naming an id in a
 * record must not show what is stored for it.
 */
export interface PersonDifference {
  personId: string;
  field: CandidateColumn;
  uploaded: string;
}

const detailFields = [['firstName', 'first_name'], ['lastName', 'last_name'], ['birthDate', 'birth_date']] as const;

/** What `candidate` gave that differs from the persons as stored (`stored` names both of its persons). */
export function personDifferences(candidate: CandidateDraft, stored: ReadonlyMap<string, PersonDetails>): PersonDifference[] {
  const sides = [['person', candidate.personId, candidate.person], ['master', candidate.masterPersonId, candidate.master]] as const;
  return sides.flatMap(([side, personId, uploaded]) => {
    const row = stored.get(personId);
    if (!row) throw new Error(`person ${personId} is not stored`);
    return detailFields.flatMap(([key, column]) => {
      const value = uploaded[key];
      if (value === null || value === row[key]) return [];
      return [{ personId, field: `${side}_${column}` as const, uploaded: value }];
    });
  });
}
