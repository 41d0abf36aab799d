export * from './schema';
export {
  createDatabase,
  dialectOf,
  dialectOfUrl,
  isDatabaseUnavailable,
  isUniqueViolation,
  type AnyKysely,
  pingDatabase,
  poolStatsOf,
  type PoolStats,
  sqlitePathOfUrl,
  type DatabaseOptions,
  type DialectName,
} from './dialect';
export { databaseState, type DatabaseState, LATEST_MIGRATION } from './schema-version';
export { migrateDown, migrateToLatest, migrationStatus, MigrationFailedError, type MigrationStatus } from './migrate';
