/**
 * Access tokens (SPEC §7): HS256 JWTs with `sub` = user id, `client_id`, space-separated `scope`, `exp`.
 */
import { SignJWT, jwtVerify } from 'jose';
import { z } from 'zod';
import { DomainError } from '../platform';
import { messages } from './messages';

export interface AccessToken {
  userId: string;
  clientId: string;
  scopes: ReadonlySet<string>;
  expiresAt: Date;
}

const claims = z.object({
  sub: z.uuid(),
  client_id: z.uuid(),
  scope: z.string().default(''),
  exp: z.number(),
});

const key = (secret: string): Uint8Array => new TextEncoder().encode(secret);

export interface TokenRequest {
  userId: string;
  clientId: string;
  scopes: string[];
  /** Lifetime in seconds. */
  ttl?: number;
}

export function signAccessToken(secret: string, { userId, clientId, scopes, ttl = 3600 }: TokenRequest): Promise<string> {
  return new SignJWT({ client_id: clientId, scope: scopes.join(' ') })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttl)
    .sign(key(secret));
}

/** Missing, malformed, badly signed and expired tokens all fail the same way, on purpose. */
export async function verifyAccessToken(secret: string, token: string | undefined): Promise<AccessToken> {
  if (!token) throw new DomainError('UNAUTHENTICATED', messages.invalidToken);
  try {
    const { payload } = await jwtVerify(token, key(secret), { algorithms: ['HS256'], requiredClaims: ['exp', 'sub'] });
    const c = claims.parse(payload);
    return {
      userId: c.sub,
      clientId: c.client_id,
      scopes: new Set(c.scope.split(' ').filter(Boolean)),
      expiresAt: new Date(c.exp * 1000),
    };
  } catch {
    throw new DomainError('UNAUTHENTICATED', messages.invalidToken);
  }
}

/** `Authorization: Bearer <token>` → token, or undefined. */
export function bearerToken(header: string | undefined | null): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}
