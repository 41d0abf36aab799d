/**
 * The getPhoneNumber event read as the binding button needs it: a code to send, a "no" that needs
 * no message, or a failure told in Chinese.
 */
import { describe, expect, it } from 'vitest';
import { readPhoneNumberEvent } from '../src/pages/profile/phone-number-event';

describe('the getPhoneNumber event', () => {
  it('carries a code to exchange when the user agreed', () => {
    expect(readPhoneNumberEvent({ errMsg: 'getPhoneNumber:ok', code: 'c0de' })).toEqual({ kind: 'code', code: 'c0de' });
  });

  it("is the user's no, which needs no message, in each form WeChat writes it", () => {
    for (const errMsg of [
      'getPhoneNumber:fail user deny',
      'getPhoneNumber:fail:user deny',
      'getPhoneNumber:fail:cancel to confirm login',
    ]) {
      expect(readPhoneNumberEvent({ errMsg }), errMsg).toEqual({ kind: 'declined' });
    }
  });

  it('tells the user of a failure that is not theirs, in Chinese', () => {
    expect(readPhoneNumberEvent({ errMsg: 'getPhoneNumber:fail privacy permission is not authorized' })).toEqual({
      kind: 'failed',
      message: '请先同意隐私保护指引，再绑定手机号',
    });
    expect(readPhoneNumberEvent({ errMsg: 'getPhoneNumber:fail no permission' })).toEqual({
      kind: 'failed',
      message: '当前小程序暂不支持获取手机号',
    });
    expect(readPhoneNumberEvent({ errMsg: 'getPhoneNumber:fail api scope is not declared' })).toEqual({
      kind: 'failed',
      message: '获取手机号失败，请稍后重试',
    });
    expect(readPhoneNumberEvent({})).toEqual({ kind: 'failed', message: '获取手机号失败，请稍后重试' });
  });
});
