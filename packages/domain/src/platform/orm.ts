import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { migrationsList } from '../migrations/index';

export type Orm = MikroORM;

export interface OrmConfig {
  databaseUrl: string;
  /** Connections in the pool; a worker wants a few more than its concurrency. */
  poolSize?: number;
  debug?: boolean;
  /** Where MikroORM writes its own lines (migrator progress, warnings); console.log when unset. */
  logger?: (message: string) => void;
  /**
   * Postgres session timeouts of every pooled connection, in ms (0: none): a statement running
   * longer, or a transaction left idle longer, is ended by the server and its connection freed.
   */
  sessionTimeouts?: { statementMs: number; idleInTransactionMs: number };
}

export function ormOptions(config: OrmConfig): Options {
  return {
    clientUrl: config.databaseUrl,
    // Every query is plain SQL (platform/sql.ts); the ORM keeps the pool, transactions and migrations.
    entities: [],
    extensions: [Migrator],
    forceUtcTimezone: true,
    // A missing database is an operator's mistake to report, not to paper over with an empty one:
    // `npm start` and `npm run migrate` create it on purpose.
    ensureDatabase: false,
    pool: { min: 0, max: config.poolSize ?? 10 },
    ...(config.sessionTimeouts
      ? {
        // Sent as startup parameters by pg, so they hold from the first statement on every connection.
        driverOptions: {
          connection: {
            statement_timeout: config.sessionTimeouts.statementMs,
            idle_in_transaction_session_timeout: config.sessionTimeouts.idleInTransactionMs,
          },
        },
      }
      : {}),
    debug: config.debug ?? false,
    ...(config.logger ? { logger: config.logger } : {}),
    allowGlobalContext: false,
    discovery: { warnWhenNoEntities: false },
    migrations: {
      migrationsList,
      tableName: 'mikro_orm_migrations',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
    },
  };
}

export const createOrm = (config: OrmConfig): Promise<MikroORM> => MikroORM.init(ormOptions(config));

/** Applies pending migrations; returns the names applied. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}
