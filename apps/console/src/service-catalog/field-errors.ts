/**
 * Where an api refusal belongs on a form. A 422's `inputErrors` name their field by path
 * (`$.code`); the catalog's NOT_FOUND / CONFLICT messages (seed 003) name the service or the group
 * they concern. Either way the message is shown as the api sent it, at that field; what names no
 * field is the form's.
 */
import type { CombinedError } from 'urql';
import { graphqlProblem, type GraphqlProblem } from '../platform/graphql';

export interface FieldProblems<F extends string> {
  fields: Partial<Record<F, string>>;
  form: GraphqlProblem | null;
}

interface InputError { path: string; message: string }

function inputErrorsOf(error: CombinedError): InputError[] {
  const exception = error.graphQLErrors[0]?.extensions['exception'] as { inputErrors?: unknown } | undefined;
  const list = exception?.inputErrors;
  if (!Array.isArray(list)) return [];
  return list.filter((e): e is InputError => typeof e === 'object' && e !== null && typeof (e as InputError).path === 'string' && typeof (e as InputError).message === 'string');
}

/** The seed's messages and the field each concerns (a group's first: "Service group …" starts with "Service"). */
const subjectOf = (message: string): 'group' | 'service' | null =>
  message.startsWith('Service group') ? 'group' : message.startsWith('Service') ? 'service' : null;

export function fieldProblems<F extends string>(
  error: CombinedError | undefined,
  byPath: Readonly<Record<string, F>>,
  bySubject: Partial<Record<'service' | 'group', F>> = {},
): FieldProblems<F> | null {
  const problem = graphqlProblem(error);
  if (!error || !problem) return null;
  const fields: Partial<Record<F, string>> = {};
  const unplaced: string[] = [];
  for (const e of inputErrorsOf(error)) {
    const field = byPath[e.path];
    if (field) fields[field] = fields[field] ? `${fields[field]}; ${e.message}` : e.message;
    else unplaced.push(`${e.path} ${e.message}`);
  }
  if (Object.keys(fields).length > 0) {
    return { fields, form: unplaced.length > 0 ? { code: problem.code, message: `${problem.message}: ${unplaced.join('; ')}` } : null };
  }
  const subject = problem.code === 'NOT_FOUND' || problem.code === 'CONFLICT' ? subjectOf(problem.message) : null;
  const field = subject ? bySubject[subject] : undefined;
  if (field) return { fields: { [field]: problem.message } as Partial<Record<F, string>>, form: null };
  return { fields: {}, form: unplaced.length > 0 ? { code: problem.code, message: `${problem.message}: ${unplaced.join('; ')}` } : problem };
}
