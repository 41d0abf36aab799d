import * as z from 'zod/mini';
import '../zod';

/** WeChat allows nicknames of up to 64 bytes; we count characters and keep it to 20 for layout. */
export const NICKNAME_MAX_LENGTH = 20;

/** True unless a surrogate code unit stands alone (what would be stored as U+FFFD). */
function isWellFormedUtf16(value: string): boolean {
  // String.prototype.isWellFormed is ES2024: the mini-program's oldest phones (iOS 12.2) lack it.
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    const next = value.charCodeAt(i + 1); // NaN past the end
    if (unit > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return false;
    i++;
  }
  return true;
}

/**
 * Format characters are invisible, and some reorder the text around them (U+202E makes
 * "管理员\u202Etxt.exe" read as "管理员exe.txt"), so that one name can pass for another; line and
 * paragraph separators break the one line a name is shown on. (ES2018 property escapes: iOS 11.3+.)
 */
const UNDISPLAYABLE = /[\p{Cf}\p{Zl}\p{Zp}]/u;
/**
 * The format characters that belong to emoji are kept: the joiner inside a ZWJ sequence (👩‍💻, 🏳️‍🌈:
 * an emoji, its variation selector or skin tone, U+200D, an emoji; digits, # and * count as emoji,
 * for keycaps, but are never joined) and the tags of a subdivision flag (🏴, tag letters, cancel
 * tag). No lookbehind: iOS has it only since 16.4.
 */
const EMOJI_ZWJ = /((?![#*0-9])\p{Emoji}(?:\uFE0F|\p{Emoji_Modifier})?)\u200D(?=(?![#*0-9])\p{Emoji})/gu;
const SUBDIVISION_FLAG_TAGS = /\u{1F3F4}[\u{E0020}-\u{E007E}]+\u{E007F}/gu;

function isDisplayable(value: string): boolean {
  if (!UNDISPLAYABLE.test(value)) return true; // the usual case
  return !UNDISPLAYABLE.test(value.replace(SUBDIVISION_FLAG_TAGS, '\u{1F3F4}').replace(EMOJI_ZWJ, '$1'));
}

export const nicknameSchema = z.string().check(
  z.trim(),
  z.minLength(1, { message: '昵称不能为空' }),
  z.maxLength(NICKNAME_MAX_LENGTH, { message: `昵称最多 ${NICKNAME_MAX_LENGTH} 个字` }),
  // Control characters (Cc: C0, DEL and C1; U+0085 is a line break to some renderers).
  z.refine((value) => !/\p{Cc}/u.test(value), { message: '昵称包含不支持的字符' }),
  z.refine((value) => isWellFormedUtf16(value) && isDisplayable(value), { message: '昵称包含无法显示的字符' }),
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
