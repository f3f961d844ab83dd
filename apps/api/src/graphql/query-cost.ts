/**
 * The cost limit (GRAPHQL_MAX_COST). Every field costs 1 plus what is selected under it, and a
 * connection (a field with a `first` argument) costs 1 plus its page size times what is selected
 * under it, `pageInfo` included: `deviceRegistryJobs(first: 50) { nodes { id tasks(first: 20) {
 * nodes { id } } } }` costs 1 + 50 × (1 + 1 + (1 + 20 × (1 + 1))) = 2151. The page size is `first` or `last` as the
 * request gives it, in the document or through a variable (or a variable's default), else the
 * default page; a value beyond the largest page counts as the largest page, the most a resolver
 * ever reads (pages.ts refuses the rest).
 *
 * Why not graphql-armor's cost-limit (2.4.3, its newest): it multiplies only by a `first` written as
 * a literal, so `first: $n` or no `first` at all cost as a single row. graphql-query-complexity
 * evaluates arguments with the request's variables, honours @skip/@include, and prices a fragment on
 * an interface as its costliest implementation.
 *
 * Why at execution rather than validation: variables are not part of validation, and yoga caches
 * a document's validation result, so a rule reading variables would judge every later request by
 * the values of the first. At execution the variables of this very request are at hand, and still
 * nothing has run.
 */
import { GraphQLError, Kind, validate, type DocumentNode, type ExecutionArgs } from 'graphql';
import { createComplexityRule, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { defaultPageSize, maxPageSize } from '../platform/pages';

/** Rows a connection returns for its arguments (both `first` and `last` are refused, so either bounds it). */
export function pageSizeOf(args: Record<string, unknown>): number {
  const asked = [args.first, args.last].filter((value): value is number => typeof value === 'number');
  const size = asked.length > 0 ? Math.max(...asked) : defaultPageSize;
  return Math.min(Math.max(size, 0), maxPageSize);
}

const connectionEstimator: ComplexityEstimator = ({ field, args, childComplexity }) =>
  field.args.some((arg) => arg.name === 'first') ? 1 + pageSizeOf(args) * childComplexity : undefined;

const estimators = [connectionEstimator, simpleEstimator({ defaultComplexity: 1 })];

/** graphql-query-complexity's own default, named so the refusal can say it. */
const maxQueryNodes = 10_000;

export const costMessage = (max: number, found: number): string => `Query Cost limit of ${max} exceeded, found ${found}.`;

/** An operation name the document does not define: execution refuses the request by itself. */
const unknownOperation = (document: DocumentNode, name: string): boolean =>
  !document.definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION && d.name?.value === name);

/**
 * The refusal of a request costlier than `maxCost`, or null. Other problems the cost walk meets
 * (variables of the wrong type, bad arguments) are left to execution, which reports them all
 * as it always does.
 */
export function costRefusal(
  { schema, document, variableValues, operationName }: Pick<ExecutionArgs, 'schema' | 'document' | 'variableValues' | 'operationName'>,
  maxCost: number,
): GraphQLError | null {
  if (operationName && unknownOperation(document, operationName)) return null;
  let refusal: GraphQLError | null = null;
  const rule = createComplexityRule({
    maximumComplexity: maxCost,
    maxQueryNodes,
    estimators,
    variables: variableValues ?? {},
    ...(operationName ? { operationName } : {}),
    createError: (max, found) => (refusal = createGraphQLError(costMessage(max, found))),
  });
  try {
    validate(schema, document, [rule]);
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    // The walk gives up past maxQueryNodes selections: fragments spread into each other multiply
    // quickly, and a document that cannot be priced is not run.
    if (error.message === 'Query exceeds the maximum allowed number of nodes.') {
      return createGraphQLError(`Query Cost limit of ${maxCost} exceeded: more than ${maxQueryNodes} selections once fragments are spread.`);
    }
    return createGraphQLError(error.message);
  }
  return refusal;
}

export function costLimitPlugin(maxCost: number): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const refusal = costRefusal(args, maxCost);
      if (refusal) setResultAndStopExecution({ errors: [refusal] });
    },
  };
}
