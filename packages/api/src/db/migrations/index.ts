/**
 * All migrations, imported statically so the bundled server carries them inside (no directory
 * scan at run time). Names sort in the order they run: date first, then a sequence number.
 */
import type { Migration } from 'kysely';
import * as createUsers from './2026_11_23_0001_create_users';
import * as createAuthSessions from './2026_11_23_0002_create_auth_sessions';
import * as createShop from './2026_11_30_0003_create_shop';
import * as createPayments from './2026_12_01_0004_create_payments';
import * as createJobs from './2026_12_01_0005_create_jobs';
import * as createRefunds from './2026_12_01_0006_create_refunds';
import * as refreshTokenOnSession from './2026_12_01_0007_refresh_token_on_session';
import * as authSessionsExpiresAtIndex from './2026_12_01_0008_auth_sessions_expires_at_index';
import * as exactIdentifiers from './2026_12_01_0009_exact_identifiers';

export const migrations: Record<string, Migration> = {
  '2026_11_23_0001_create_users': createUsers,
  '2026_11_23_0002_create_auth_sessions': createAuthSessions,
  '2026_11_30_0003_create_shop': createShop,
  '2026_12_01_0004_create_payments': createPayments,
  '2026_12_01_0005_create_jobs': createJobs,
  '2026_12_01_0006_create_refunds': createRefunds,
  '2026_12_01_0007_refresh_token_on_session': refreshTokenOnSession,
  '2026_12_01_0008_auth_sessions_expires_at_index': authSessionsExpiresAtIndex,
  '2026_12_01_0009_exact_identifiers': exactIdentifiers,
};
