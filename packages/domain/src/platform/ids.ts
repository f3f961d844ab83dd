/**
 * What counts as a uuid wherever a caller hands us one (a path segment, a CSV cell, a GraphQL
 * argument): any 8-4-4-4-12 hex string, in either case. Looser than RFC 9562 on purpose: ids from
 * other registries (person ids, merge candidate ids) come as they are.
 */
export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: string): boolean => uuidPattern.test(value);
