/**
 * Kysely's view of the database. Column names are snake_case as in SQL; repositories map rows to
 * the camelCase shapes of packages/shared. Every `*_at` column is a `Date` on both dialects
 * (see dialect.ts for how SQLite gets there).
 */
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface UsersTable {
  id: Generated<number>;
  openid: string;
  unionid: string | null;
  nickname: string | null;
  avatar_url: string | null;
  phone: string | null;
  created_at: Date;
  updated_at: Date;
}
export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type UserRowUpdate = Updateable<UsersTable>;

export interface AuthSessionsTable {
  id: string;
  user_id: number;
  session_key_ciphertext: string;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  revoked_reason: string | null;
}
export type AuthSessionRow = Selectable<AuthSessionsTable>;

export interface RefreshTokensTable {
  id: Generated<number>;
  session_id: string;
  token_hash: string;
  created_at: Date;
  expires_at: Date;
  rotated_at: Date | null;
}
export type RefreshTokenRow = Selectable<RefreshTokensTable>;

export interface Database {
  users: UsersTable;
  auth_sessions: AuthSessionsTable;
  refresh_tokens: RefreshTokensTable;
}
