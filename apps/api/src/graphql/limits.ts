/**
 * What a document may ask for, checked before anything runs: its size in tokens (at parse), its
 * depth, aliases and directives (graphql-armor, at validation), its cost with this request's
 * variables (query-cost.ts, as execution starts), and, in production, no introspection. Every
 * refusal names the limit and is answered as BAD_REQUEST (error-model.ts).
 */
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { NoSchemaIntrospectionCustomRule, type GraphQLError, type ValidationContext } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { costLimitPlugin } from './query-cost';

export interface QueryLimits {
  maxDepth: number;
  maxCost: number;
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
  introspection: boolean;
}

/** graphql-armor prefixes every refusal with a misleading "Syntax Error: ". */
const withoutSyntaxPrefix = (error: GraphQLError): GraphQLError => createGraphQLError(error.message.replace(/^Syntax Error: /, ''));

/**
 * graphql-armor throws its error out of the validation visitor; reporting it on the validation
 * context instead makes it an ordinary validation error (→ BAD_REQUEST) that sits beside any others.
 */
const reportClearly = (context: ValidationContext | null, error: GraphQLError): void => {
  context?.reportError(withoutSyntaxPrefix(error));
};

/** The token limit fires inside the lexer, where there is no validation context: the parse fails instead. */
const throwClearly = (_context: ValidationContext | null, error: GraphQLError): never => {
  throw withoutSyntaxPrefix(error);
};

export function queryLimitPlugins({ maxDepth, maxCost, maxAliases, maxTokens, maxDirectives, introspection }: QueryLimits): Plugin[] {
  const common = { exposeLimits: true, propagateOnRejection: false, onReject: [reportClearly] };
  // Fragments are flattened so depth counts fields only: every `node(id:)` query needs an inline
  // fragment, and it should not cost the client a level.
  const flat = { ...common, flattenFragments: true };
  const plugins: Plugin[] = [
    maxTokensPlugin({ n: maxTokens, exposeLimits: true, onReject: [throwClearly] }),
    maxDepthPlugin({ n: maxDepth, ...flat }),
    maxAliasesPlugin({ n: maxAliases, ...common }),
    maxDirectivesPlugin({ n: maxDirectives, ...common }),
    costLimitPlugin(maxCost),
  ];
  if (!introspection) {
    plugins.push({
      onValidate({ addValidationRule }) {
        addValidationRule(NoSchemaIntrospectionCustomRule);
      },
    });
  }
  return plugins;
}
