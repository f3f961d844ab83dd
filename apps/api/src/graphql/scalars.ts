/**
 * Custom scalars. Invalid input raises a GraphQLError, which the error model reports as
 * BAD_REQUEST: the document or its variables are wrong before any resolver runs.
 */
import { Kind, type GraphQLScalarTypeConfig, type ValueNode } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';
import type { GraphqlModule } from './schema';

type ScalarConfig<T> = Pick<GraphQLScalarTypeConfig<T, T>, 'serialize' | 'parseValue' | 'parseLiteral'>;

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: string): boolean => uuidPattern.test(value);

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

const dateTimePattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Normalises an ISO-8601 timestamp to UTC with six fractional digits, as text: going through a
 * JS Date would drop the microseconds Postgres keeps. The fraction survives the shift to UTC
 * unchanged because offsets are whole minutes.
 */
export function normalizeDateTime(value: string): string | null {
  const m = dateTimePattern.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, fraction = '', zone = 'Z'] = m;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const check = new Date(wall);
  // Date.UTC rolls 2026-02-30 over to March; a rolled-over date is not the date that was written.
  if (check.getUTCDate() !== Number(d) || check.getUTCMonth() !== Number(mo) - 1 || Number(h) > 23 || Number(s) > 59) {
    return null;
  }
  const offsetMinutes = zone === 'Z' ? 0 : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const utc = new Date(wall - offsetMinutes * 60_000).toISOString().slice(0, 19);
  return `${utc}.${fraction.padEnd(6, '0')}Z`;
}

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
    "Any JSON value."
    scalar JSON
  `,
  resolvers: { UUID, DateTime, JSON: JSONScalar },
};
