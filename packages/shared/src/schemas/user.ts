import * as z from 'zod/mini';
import '../zod';

/** WeChat allows nicknames of up to 64 bytes; we count characters and keep it to 20 for layout. */
export const NICKNAME_MAX_LENGTH = 20;

export const nicknameSchema = z.string().check(
  z.trim(),
  z.minLength(1, { message: '昵称不能为空' }),
  z.maxLength(NICKNAME_MAX_LENGTH, { message: `昵称最多 ${NICKNAME_MAX_LENGTH} 个字` }),
  z.refine((value) => !/[\u0000-\u001f\u007f]/.test(value), { message: '昵称包含不支持的字符' }),
);

export const avatarUrlSchema = z.string().check(
  z.maxLength(512, { message: '头像地址过长' }),
  z.refine((value) => /^(https?:\/\/|\/)/.test(value), { message: '头像地址无效' }),
);

export const userSchema = z.object({
  id: z.int().check(z.positive()),
  nickname: z.nullable(z.string()),
  avatarUrl: z.nullable(z.string()),
  /** Masked for display, e.g. 138****8000; the full number never leaves the server. */
  phoneMasked: z.nullable(z.string()),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type User = z.infer<typeof userSchema>;

export const updateProfileInputSchema = z
  .object({
    nickname: z.optional(nicknameSchema),
    avatarUrl: z.optional(avatarUrlSchema),
  })
  .check(
    z.refine((input) => input.nickname !== undefined || input.avatarUrl !== undefined, {
      message: '请至少修改一项资料',
    }),
  );
export type UpdateProfileInput = z.infer<typeof updateProfileInputSchema>;

/**
 * 13800138000 → 138****8000, of the national number (WeChat's `phoneNumber` carries +86).
 * Anything that is not a plausible number is fully masked.
 */
export function maskPhone(phone: string): string {
  const all = phone.replace(/\D/g, '');
  const digits = all.length === 13 && all.startsWith('86') ? all.slice(2) : all;
  if (digits.length < 7) return '****';
  return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
}
