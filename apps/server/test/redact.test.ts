import { describe, expect, it } from 'vitest';
import { CENSOR, redactSensitive } from '../src/redact';

describe('redactSensitive', () => {
  it('censors sensitive keys in the first three levels, arrays included', () => {
    const input = {
      token: 't',
      headers: { authorization: 'Bearer x', 'set-cookie': ['a'], accept: '*/*' },
      wechat: { body: { session_key: 'k', openid: 'o' }, deeper: { a: { phone: 'too deep' } } },
      users: [{ id: 1, phone: '13800138000' }],
      msg: 'kept',
    };
    expect(redactSensitive(input)).toEqual({
      token: CENSOR,
      headers: { authorization: CENSOR, 'set-cookie': CENSOR, accept: '*/*' },
      wechat: { body: { session_key: CENSOR, openid: 'o' }, deeper: { a: { phone: 'too deep' } } },
      users: [{ id: 1, phone: CENSOR }],
      msg: 'kept',
    });
  });

  it('never changes the caller’s object, and returns it untouched when there is nothing to censor', () => {
    const input = { user: { phone: '1' }, plain: { a: 1 } };
    const output = redactSensitive(input);
    expect(input.user.phone).toBe('1');
    expect(output.plain).toBe(input.plain);
    const clean = { method: 'GET', status: 200 };
    expect(redactSensitive(clean)).toBe(clean);
  });

  it('keeps an error an error (message, stack, class) while censoring its fields', () => {
    const error = Object.assign(new TypeError('boom'), { secret: 's', code: 'E1' });
    const { err } = redactSensitive({ err: error });
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toBe('boom');
    expect(err.stack).toBe(error.stack);
    expect(err).toMatchObject({ secret: CENSOR, code: 'E1' });
    expect(error.secret).toBe('s');
  });
});
