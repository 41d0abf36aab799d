/**
 * Known answers from WeChat's official documentation (开放数据校验与解密).
 */
import { describe, expect, it } from 'vitest';
import { decryptOpenData, OpenDataError, rawDataSignature, verifyRawDataSignature } from '../../src/wechat/open-data';

const OFFICIAL_SAMPLE = {
  appId: 'wx4f4bc4dec97d474b',
  sessionKey: 'tiihtNczf5v6AKRyjwEUhQ==',
  iv: 'r7BXXKkLb8qrSNn05n0qiA==',
  encryptedData:
    'CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4lGOETKUQz6OYStslQ142dNCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHInNlxuacJXwu0fjpXfz/YqYzBIBzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4PC7E/r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYVoKlaRv85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew==',
};

const OFFICIAL_SIGNATURE_SAMPLE = {
  sessionKey: 'HyVFkGl5F5OQWJZZaNzBBg==',
  rawData:
    '{"nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN","avatarUrl":"http://wx.qlogo.cn/mmopen/vi_32/1vZvI39NWFQ9XM4LtQpFrQJ1xlgZxx3w7bQxKARol6503Iuswjjn6nIGBiaycAjAtpujxyzYsrztuuICqIM5ibXQ/0"}',
  signature: '75e81ceda165f4ffa64f4068af58c64b8f54b88c',
};

function reasonOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(OpenDataError);
    return (error as OpenDataError).reason;
  }
}

describe('decryptOpenData', () => {
  it('decrypts the sample from the official documentation', () => {
    const data = decryptOpenData<{ openId: string; nickName: string; unionId: string }>(OFFICIAL_SAMPLE);
    expect(data).toMatchObject({
      openId: 'oGZUI0egBJY1zhBYw2KhdUfwVJJE',
      nickName: 'Band',
      gender: 1,
      city: 'Guangzhou',
      unionId: 'ocMvos6NjeKLIBqg5Mr9QjxrP1FA',
      watermark: { timestamp: 1477314187, appid: 'wx4f4bc4dec97d474b' },
    });
  });

  it('rejects data whose watermark names another app', () => {
    expect(reasonOf(() => decryptOpenData({ ...OFFICIAL_SAMPLE, appId: 'wx0000000000000000' }))).toBe('appid');
  });

  it('rejects a wrong session_key, a wrong iv and tampered data', () => {
    expect(reasonOf(() => decryptOpenData({ ...OFFICIAL_SAMPLE, sessionKey: Buffer.alloc(16, 1).toString('base64') }))).toBe('decrypt');
    expect(reasonOf(() => decryptOpenData({ ...OFFICIAL_SAMPLE, iv: 'short' }))).toBe('decrypt');
    const tampered = `${OFFICIAL_SAMPLE.encryptedData.slice(0, -8)}AAAAAA==`;
    expect(reasonOf(() => decryptOpenData({ ...OFFICIAL_SAMPLE, encryptedData: tampered }))).not.toBeNull();
  });
});

describe('raw data signature', () => {
  it('matches the sample from the official documentation', () => {
    const { rawData, sessionKey, signature } = OFFICIAL_SIGNATURE_SAMPLE;
    expect(rawDataSignature(rawData, sessionKey)).toBe(signature);
    expect(reasonOf(() => verifyRawDataSignature(rawData, signature, sessionKey))).toBeNull();
  });

  it('rejects modified data or another session_key', () => {
    const { rawData, sessionKey, signature } = OFFICIAL_SIGNATURE_SAMPLE;
    expect(reasonOf(() => verifyRawDataSignature(rawData.replace('Band', 'Bend'), signature, sessionKey))).toBe('signature');
    expect(reasonOf(() => verifyRawDataSignature(rawData, signature, 'AAAAAAAAAAAAAAAAAAAAAA=='))).toBe('signature');
  });
});
