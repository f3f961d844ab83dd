/**
 * JSON request bodies for REST routes: parsed, checked against a zod schema, and refused as one
 * 422 problem whose `inputErrors` name each bad field by its JSON path (`$.status`).
 */
import type { Context } from 'hono';
import type { z } from 'zod';
import { DomainError, type InputError } from '@jabba/domain/platform/errors';
import type { AppEnv } from './request-scope';

const jsonPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((at, key) => (typeof key === 'number' ? `${at}[${key}]` : `${at}.${String(key)}`), '$');

export function validated<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const inputErrors: InputError[] = parsed.error.issues.map((issue) => ({ path: jsonPath(issue.path), message: issue.message }));
  throw new DomainError('UNPROCESSABLE_ENTITY', 'Validation failed', { inputErrors });
}

/** The JSON body checked against `schema`; no body at all is `{}`, so a required field is named. */
export async function jsonBody<T>(c: Context<AppEnv>, schema: z.ZodType<T>): Promise<T> {
  const text = await c.req.text();
  let value: unknown = {};
  if (text.trim() !== '') {
    try {
      value = JSON.parse(text);
    } catch {
      throw new DomainError('BAD_REQUEST', 'The request body is not valid JSON');
    }
  }
  return validated(schema, value);
}
