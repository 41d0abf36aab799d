import { maskPhone, type UpdateProfileInput, type User } from '@app/shared';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../clock';
import type { WeChatClient } from '../../wechat/client';
import type { Database, UserRow } from '../../db/schema';
import { AppError } from '../../errors';
import { findUserById, updateUser } from './user.repository';

/** The public shape of a user: the phone is masked, the openid and unionid stay on the server. */
export function toPublicUser(row: UserRow): User {
  return {
    id: row.id,
    nickname: row.nickname,
    avatarUrl: row.avatar_url,
    phoneMasked: row.phone === null ? null : maskPhone(row.phone),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

interface UserDeps {
  db: Kysely<Database>;
  clock: Clock;
}

interface PhoneDeps extends UserDeps {
  wechat: Pick<WeChatClient, 'getPhoneNumber'>;
  logger: Logger;
}

export async function getUser({ db }: UserDeps, userId: number): Promise<User> {
  const row = await findUserById(db, userId);
  // A valid session for a user that no longer exists: the session is dead, not the server.
  if (!row) throw new AppError('AUTH_SESSION_REVOKED');
  return toPublicUser(row);
}

export async function updateProfile({ db, clock }: UserDeps, userId: number, input: UpdateProfileInput): Promise<User> {
  const row = await updateUser(db, userId, input, clock.now());
  if (!row) throw new AppError('AUTH_SESSION_REVOKED');
  return toPublicUser(row);
}

/** Exchanges the single-use code from getPhoneNumber for the number and stores it. */
export async function bindPhone(deps: PhoneDeps, userId: number, code: string): Promise<User> {
  const phone = await deps.wechat.getPhoneNumber(code);
  const row = await updateUser(deps.db, userId, { phone: phone.purePhoneNumber }, deps.clock.now());
  if (!row) throw new AppError('AUTH_SESSION_REVOKED');
  deps.logger.info({ userId, phoneMasked: maskPhone(phone.purePhoneNumber) }, 'phone bound');
  return toPublicUser(row);
}
