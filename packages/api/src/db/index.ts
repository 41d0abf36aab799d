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
export { LATEST_MIGRATION, schemaState, type SchemaState } from './schema-version';
export { migrateDown, migrateToLatest, migrationStatus, MigrationFailedError, type MigrationStatus } from './migrate';
