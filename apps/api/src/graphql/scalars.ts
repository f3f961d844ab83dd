/**
 * Custom scalars. Invalid input raises a GraphQLError, which the error model reports as
 * BAD_REQUEST: the document or its variables are wrong before any resolver runs.
 */
import { Kind, type GraphQLScalarTypeConfig, type ValueNode } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';
import { isUuid, normalizeDateTime } from '@jabba/domain/platform';
import type { GraphqlModule } from './module';

type ScalarConfig<T> = Pick<GraphQLScalarTypeConfig<T, T>, 'serialize' | 'parseValue' | 'parseLiteral'>;


function parseUuid(value: unknown): string {
  if (typeof value !== 'string' || !isUuid(value)) {
    throw createGraphQLError(`UUID cannot represent value: ${JSON.stringify(value)}`);
  }
  return value.toLowerCase();
}

export const UUID: ScalarConfig<string> = {
  serialize: (value) => parseUuid(value),
  parseValue: (value) => parseUuid(value),
  parseLiteral: (ast) => parseUuid(ast.kind === Kind.STRING ? ast.value : undefined),
};

function parseDateTime(value: unknown): string {
  const normalized = typeof value === 'string' ? normalizeDateTime(value) : null;
  if (normalized === null) {
    throw createGraphQLError(`DateTime cannot represent value: ${JSON.stringify(value)}; expected ISO-8601, e.g. 2026-11-22T10:29:32.099359Z`);
  }
  return normalized;
}

export const DateTime: ScalarConfig<string> = {
  serialize: (value) => (value instanceof Date ? `${value.toISOString().slice(0, 23)}000Z` : parseDateTime(value)),
  parseValue: (value) => parseDateTime(value),
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : undefined),
};

const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;

function parseDate(value: unknown): string {
  const m = typeof value === 'string' ? datePattern.exec(value) : null;
  const date = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  if (!date || date.toISOString().slice(0, 10) !== value) {
    throw createGraphQLError(`Date cannot represent value: ${JSON.stringify(value)}; expected YYYY-MM-DD`);
  }
  return value as string;
}

export const DateScalar: ScalarConfig<string> = {
  serialize: parseDate,
  parseValue: parseDate,
  parseLiteral: (ast) => parseDate(ast.kind === Kind.STRING ? ast.value : undefined),
};

function literalToJson(ast: ValueNode, variables: Record<string, unknown> | null | undefined): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.ENUM:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map((v) => literalToJson(v, variables));
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, literalToJson(f.value, variables)]));
    case Kind.VARIABLE:
      return variables?.[ast.name.value] ?? null;
  }
}

export const JSONScalar: ScalarConfig<unknown> = {
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => literalToJson(ast, variables),
};

export const scalarsModule: GraphqlModule = {
  typeDefs: /* GraphQL */ `
    "A universally unique identifier (RFC 9562), e.g. \`a9e2873e-5d5b-4b6f-9d6a-0b8c2f1e4d3a\`."
    scalar UUID
    "An ISO-8601 timestamp in UTC with microseconds, e.g. \`2026-11-22T10:29:32.099359Z\`."
    scalar DateTime
    "A calendar date, \`YYYY-MM-DD\`."
    scalar Date
    "Any JSON value."
    scalar JSON
  `,
  resolvers: { UUID, DateTime, Date: DateScalar, JSON: JSONScalar },
};
