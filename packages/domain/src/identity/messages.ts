/** What a refused caller is told (SPEC §3, §5, §7): public contracts, asserted literally by the tests. */
export const messages = {
  invalidToken: 'Invalid access token',
  missingScope: (scopes: string[]) =>
    `Your scope does not allow to access this resource. Missing allowances: ${scopes.join(', ')}`,
  clientNotActive: 'client_id refers to legal entity that is not active',
  clientTypeForbidden: "You don't have permission to access this resource",
  clientBlocked: 'Client is blocked',
  roleMissing: "User doesn't have required role",
} as const;
