/**
 * What a document may ask for, checked at validation so nothing runs for a refused query:
 * depth and cost (graphql-armor) and, in production, no introspection.
 */
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { NoSchemaIntrospectionCustomRule, type GraphQLError, type ValidationContext } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

export interface QueryLimits {
  maxDepth: number;
  maxCost: number;
  introspection: boolean;
}

/**
 * graphql-armor throws its error out of the validation visitor with a misleading "Syntax Error: "
 * prefix; reporting it on the validation context instead makes it an ordinary validation error
 * (→ BAD_REQUEST) that sits beside any others.
 */
const reportClearly = (context: ValidationContext | null, error: GraphQLError): void => {
  context?.reportError(createGraphQLError(error.message.replace(/^Syntax Error: /, '')));
};

export function queryLimitPlugins({ maxDepth, maxCost, introspection }: QueryLimits): Plugin[] {
  // Fragments are flattened so depth counts fields only: every `node(id:)` query needs an inline
  // fragment, and it should not cost the client a level.
  const common = { flattenFragments: true, exposeLimits: true, propagateOnRejection: false, onReject: [reportClearly] };
  const plugins: Plugin[] = [maxDepthPlugin({ n: maxDepth, ...common }), costLimitPlugin({ maxCost, ...common })];
  if (!introspection) {
    plugins.push({
      onValidate({ addValidationRule }) {
        addValidationRule(NoSchemaIntrospectionCustomRule);
      },
    });
  }
  return plugins;
}
