/** Display helpers shared by the pages (zh-CN). */
import type { User } from '@app/shared';

export function displayName(user: Pick<User, 'nickname'>): string {
  return user.nickname ?? '微信用户';
}

const pad = (n: number) => String(n).padStart(2, '0');

/** 2026-11-24 13:05, in the phone's time zone. */
export function formatDateTime(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
