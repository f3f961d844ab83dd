/** Who is calling and what they may do: tokens, principals, checks, clients, the token secret. */
export { authorize, requireActiveClient, requireAnyScope, requireClientNotBlocked, requireClientType, requireRole, requireScope, refuseEveryone, type Check } from './checks';
export { addUserRole, clientStatuses, clientTypes, findClient, rolesOf, upsertClient, type Client, type ClientStatus, type ClientType } from './clients';
export { messages } from './messages';
export { authenticate, type Principal } from './principal';
export { developmentJwtSecret, jwtSecretField, jwtSecretOf, jwtSecretProblem, withJwtSecretRule, type SecretEnv } from './secret';
export { bearerToken, defaultTokenRules, signAccessToken, tokenVerifier, verifyAccessToken, type AccessToken, type TokenRules, type TokenVerifier } from './tokens';
export { identityChain, identityChains, tokenOnly, type ChainKind, type IdentityDomain, type Link } from './chains';
