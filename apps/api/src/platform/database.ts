/**
 * The api's Postgres pool: its size (ten connections plus one per upload slot) and the session
 * timeouts that keep one stuck statement or forgotten transaction from holding a connection: no
 * request of the api needs either for long, and an upload's COPY raises its own statement timeout
 * by the size of its file (packages/domain/src/engine/job-create.ts).
 */
import type { OrmConfig } from '@jabba/domain/platform';
import type { ApiConfig } from '../config';
import { apiPoolSize } from './upload-slots';

export const apiOrmConfig = (config: ApiConfig, logger?: (message: string) => void): OrmConfig => ({
  databaseUrl: config.DATABASE_URL,
  poolSize: apiPoolSize(config),
  sessionTimeouts: { statementMs: config.DATABASE_STATEMENT_TIMEOUT_MS, idleInTransactionMs: config.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS },
  ...(logger ? { logger } : {}),
});
