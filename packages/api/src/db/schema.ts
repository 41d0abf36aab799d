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

export interface Database {
  users: UsersTable;
}
