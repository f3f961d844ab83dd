/**
 * Global ids (SPEC §7): base64 of `"<Type>:<uuid>"`, the same for REST and GraphQL, so an id a
 * REST answer gives can be asked for in GraphQL and back.
 */
import { isUuid } from '@jabba/domain/platform';

export const toGlobalId = (typeName: string, databaseId: string): string =>
  Buffer.from(`${typeName}:${databaseId}`, 'utf8').toString('base64');

export interface GlobalId {
  typeName: string;
  databaseId: string;
}

/** Null unless `id` is exactly what toGlobalId produces for some type name and uuid. */
export function fromGlobalId(id: string): GlobalId | null {
  const bytes = Buffer.from(id, 'base64');
  if (id.length === 0 || bytes.toString('base64') !== id) return null;
  const match = /^([A-Za-z_][A-Za-z0-9_]*):(.+)$/.exec(bytes.toString('utf8'));
  if (!match?.[1] || !match[2] || !isUuid(match[2])) return null;
  return { typeName: match[1], databaseId: match[2].toLowerCase() };
}
