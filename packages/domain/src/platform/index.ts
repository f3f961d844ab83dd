/** The platform every module builds on: errors, env, logging, shutdown, the ORM and the one SQL handle, keyset pages, formats. */
export { baseEnvSchema, ConfigError, configOrExit, directDatabaseUrl, parseEnv, tracingEnvFields, type LogFormat, type RedisNode } from './config';
export { CopyBuffer, copyRow, type CopyValue } from './copy';
export {
  asDatabaseOutage, databaseUnavailable, DomainError, errorCodes, isDomainError, isLostDatabaseConnection, isTransientDatabaseError, payloadTooLarge, transientSqlStates,
  type ErrorCode, type InputError,
} from './errors';
export { creationOrder, keyComparison, keysetPage, param, type CreationKey, type KeysetPage, type KeysetQuery, type Raw } from './keyset';
export { keysetPagesByParent, type ParentKeysetQuery } from './keyset-by-parent';
export { createLogger, type Logger } from './logger';
export { createOrm, migrate, type Orm, type OrmConfig } from './orm';
export { poolStats, type PoolStats } from './pool-stats';
export { connectRedis, queuePrefixOf, type RedisConnection, type RedisEnv } from './redis';
export { installShutdown } from './shutdown';
export { inSpan, installTracing, type InstalledTracing } from './tracing';
export { indexOrderSqlOf, inTransaction, isoMicros, jsonb, sqlOf, type Sql, type TxSql } from './sql';
export {
  fieldProblem, fieldRuleMeanings, fieldRules, maxFieldValueLength, problemMessages, recordProblem, type FieldProblem, type FieldRule,
} from './field-rules';
export { isUuid, normalizeDateTime, type IsoTimestamp } from './formats';
export { uuidv7 } from './ids';
