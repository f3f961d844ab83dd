import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError } from '../platform';
import { findClient, type Client } from './clients';
import { messages } from './messages';
import type { AccessToken, TokenVerifier } from './tokens';

/** Who is calling: the verified token plus the client it names, loaded from Postgres. */
export interface Principal {
  token: AccessToken;
  client: Client;
}

export async function authenticate(em: EntityManager, verify: TokenVerifier, rawToken: string | undefined): Promise<Principal> {
  const token = await verify(rawToken);
  const client = await findClient(em, token.clientId);
  // A token for a client we do not know is as good as a forged one.
  if (!client) throw new DomainError('UNAUTHENTICATED', messages.invalidToken);
  return { token, client };
}
