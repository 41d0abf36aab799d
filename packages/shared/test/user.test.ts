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
