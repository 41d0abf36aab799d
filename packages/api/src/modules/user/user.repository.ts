/**
 * Users table access. Plain functions taking the database (or a transaction) first.
 * MySQL's dialect returns no rows from `returning()`, so writes read back by id.
 */
import type { CompiledQuery, Kysely } from 'kysely';
import type { Database, UserRow } from '../../db/schema';

type Db = Kysely<Database>;

/**
 * The by-id select of every authenticated user.me, compiled once per database: Kysely would build
 * and compile the same statement again on each call. Only the parameter changes (the plugins of
 * dialect.ts keep no state per query, so the compiled query is safe to run again).
 */
const byIdQueries = new WeakMap<Db, CompiledQuery<UserRow>>();

export async function findUserById(db: Db, id: number): Promise<UserRow | undefined> {
  let compiled = byIdQueries.get(db);
  if (compiled === undefined) {
    compiled = db.selectFrom('users').selectAll().where('id', '=', 0).compile();
    byIdQueries.set(db, compiled);
  }
  const { rows } = await db.executeQuery<UserRow>({ ...compiled, parameters: [id] });
  return rows[0];
}

export async function findUserByOpenid(db: Db, openid: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('openid', '=', openid).executeTakeFirst();
}

export interface NewUser {
  openid: string;
  unionid: string | null;
}

export async function insertUser(db: Db, user: NewUser, now: Date): Promise<UserRow> {
  const result = await db
    .insertInto('users')
    .values({ openid: user.openid, unionid: user.unionid, created_at: now, updated_at: now })
    .executeTakeFirstOrThrow();
  const row = await findUserById(db, Number(result.insertId));
  if (!row) throw new Error('inserted user not found');
  return row;
}

export interface UserProfilePatch {
  nickname?: string;
  avatarUrl?: string;
  unionid?: string;
  phone?: string;
}

/** Applies the given fields; returns the updated row, or undefined when the user does not exist. */
export async function updateUser(db: Db, id: number, patch: UserProfilePatch, now: Date): Promise<UserRow | undefined> {
  await db
    .updateTable('users')
    .set({
      ...(patch.nickname === undefined ? {} : { nickname: patch.nickname }),
      ...(patch.avatarUrl === undefined ? {} : { avatar_url: patch.avatarUrl }),
      ...(patch.unionid === undefined ? {} : { unionid: patch.unionid }),
      ...(patch.phone === undefined ? {} : { phone: patch.phone }),
      updated_at: now,
    })
    .where('id', '=', id)
    .execute();
  return findUserById(db, id);
}
