/**
 * Users table access. Plain functions taking the database (or a transaction) first.
 * MySQL's dialect returns no rows from `returning()`, so writes read back by id.
 */
import type { Kysely } from 'kysely';
import { prepare } from '../../db/prepared';
import type { Database, UserRow } from '../../db/schema';

type Db = Kysely<Database>;

// The by-id select of every authenticated user.me, and the by-openid one of every sign-in.
const byId = prepare<{ id: number }, UserRow>((db, value) => db.selectFrom('users').selectAll().where('id', '=', value('id')));
const byOpenid = prepare<{ openid: string }, UserRow>((db, value) =>
  db.selectFrom('users').selectAll().where('openid', '=', value('openid')),
);

export async function findUserById(db: Db, id: number): Promise<UserRow | undefined> {
  const { rows } = await byId.execute(db, { id });
  return rows[0];
}

export async function findUserByOpenid(db: Db, openid: string): Promise<UserRow | undefined> {
  const { rows } = await byOpenid.execute(db, { openid });
  return rows[0];
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
