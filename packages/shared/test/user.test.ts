import { describe, expect, it } from 'vitest';
import { maskPhone, nicknameSchema, updateProfileInputSchema } from '../src/schemas/user';

describe('nickname rule (shared by the form and the procedure)', () => {
  it('trims and accepts a normal nickname, emoji included', () => {
    expect(nicknameSchema.parse('  小明😀 ')).toBe('小明😀');
  });

  it.each([
    ['', '昵称不能为空'],
    ['   ', '昵称不能为空'],
    ['长'.repeat(21), '昵称最多 20 个字'],
    ['bad\u0007name', '昵称包含不支持的字符'],
  ])('rejects %j with a zh-CN message', (value, message) => {
    const result = nicknameSchema.safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe(message);
  });

  // Lone surrogates would be stored as U+FFFD; format characters are invisible, and some (U+202E)
  // reorder what is shown around them, so a name can pass for another.
  it.each([
    ['a lone high surrogate', 'ab\uD83D'],
    ['a lone low surrogate', '\uDE00ab'],
    ['reversed surrogates', 'a\uDE00\uD83Db'],
    ['a right-to-left override', '管理员\u202Etxt.exe'],
    ['a bidi isolate', 'a\u2067b\u2069'],
    ['a left-to-right mark', 'a\u200Eb'],
    ['an Arabic letter mark', 'a\u061Cb'],
    ['a zero-width space', '小\u200B明'],
    ['a zero-width non-joiner', '小\u200C明'],
    ['a word joiner', '小\u2060明'],
    ['an invisible operator', 'a\u2062b'],
    ['a byte order mark inside', '小\uFEFF明'],
    ['a soft hyphen', 'ab\u00ADcd'],
    ['a Mongolian vowel separator', 'a\u180Eb'],
    ['an interlinear annotation', 'a\uFFF9b'],
    ['a tag character', 'a\u{E0041}'],
    ['a zero-width joiner between letters', '小\u200D明'],
    ['a zero-width joiner at the end of an emoji', '😀\u200D'],
    ['a zero-width joiner between digits', '1\u200D2'],
    ['a line separator', 'a\u2028b'],
  ])('rejects %s as undisplayable', (_name, value) => {
    const result = nicknameSchema.safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message)).toContain('昵称包含无法显示的字符');
  });

  it.each([
    ['a C0 control character', 'a\u0007b'],
    ['a tab', 'a\tb'],
    ['a C1 control character', 'a\u0085b'],
    ['the last C1 control character', 'a\u009Fb'],
    ['a delete', 'a\u007Fb'],
  ])('rejects %s as unsupported', (_name, value) => {
    const result = nicknameSchema.safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('昵称包含不支持的字符');
  });

  // The joiner inside emoji sequences and the tags of subdivision flags are format characters
  // too, and WeChat nicknames are full of emoji.
  it.each([
    ['an emoji outside the BMP', '小明😀'],
    ['a ZWJ sequence', '程序员👩‍💻'],
    ['a ZWJ sequence with a variation selector', '🏳️‍🌈彩虹'],
    ['a ZWJ sequence with skin tones', '👩🏽‍🤝‍👨🏻'],
    ['a subdivision flag', '🏴󠁧󠁢󠁳󠁣󠁴󠁿苏格兰'],
    ['a keycap', '1️⃣号'],
    ['national flags', '🇨🇳🇯🇵'],
    ['Latin, Cyrillic and Arabic letters', 'Zoë Дима علي'],
  ])('accepts %s', (_name, value) => {
    expect(nicknameSchema.safeParse(value)).toMatchObject({ success: true, data: value });
  });

  it('requires at least one field in a profile update', () => {
    expect(updateProfileInputSchema.safeParse({}).success).toBe(false);
    expect(updateProfileInputSchema.safeParse({ avatarUrl: '/uploads/a.png' }).success).toBe(true);
    expect(updateProfileInputSchema.safeParse({ avatarUrl: 'javascript:alert(1)' }).success).toBe(false);
  });
});

describe('maskPhone', () => {
  it.each([
    ['13800138000', '138****8000'],
    ['+86 138-0013-8000', '138****8000'],
    ['+1 415 555 2671', '141****2671'],
    ['12345', '****'],
  ])('%s → %s', (phone, masked) => {
    expect(maskPhone(phone)).toBe(masked);
  });
});
