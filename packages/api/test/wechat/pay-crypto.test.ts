/**
 * WeChat Pay v3's cryptography: known answers from WeChat Pay's official Go SDK
 * (wechatpay-apiv3/wechatpay-go, utils/sign_test.go and utils/aes_test.go), round trips, and the
 * refusals of the verifier (tampered body, unknown serial, stale timestamp, replayed nonce).
 */
import { generateKeyPairSync, createCipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { OutageLog } from '../../src/outage-log';
import {
  authorizationHeader,
  decryptResource,
  DecryptionError,
  loadPrivateKey,
  openAesGcm,
  parseAuthorization,
  requestMessage,
  requestPaymentParams,
  signSha256WithRsa,
  verifySha256WithRsa,
} from '../../src/wechat/pay/crypto';
import { FallbackNonceStore, MemoryNonceStore, RedisNonceStore, type NonceStore } from '../../src/wechat/pay/nonce-store';
import { createDownRedis, createTestRedis } from '../support/redis';
import { SignatureVerifier, WeChatPaySignatureError, type SignatureFailure } from '../../src/wechat/pay/verifier';

// wechatpay-go's test key (a published SDK test key, not anyone's merchant key). The SDK writes it
// "TESTING KEY" so that secret scanners leave it alone, and swaps the label back before use.
const SDK_TEST_KEY = `-----BEGIN TESTING KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDZUJN33V+dSfvd
fL0Mu+39XrZNXFFMQSy1V15FpncHeV47SmV0TzTqZc7hHB0ddqAdDi8Z5k3TKqb7
6sOwYr5TcAfuR6PIPaleyE0/0KrljBum2Isa2Nyq7Dgc3ElBQ6YN4l/a+DpvKaz1
FSKmKrhLNskqokWVSlu4g8OlKlbPXQ9ibII14MZRQrrkTmHYHzfi7GXXM0thAKuR
0HNvyhTHBh4/lrYM3GaMvmWwkwvsMavnOex6+eioZHBOb1/EIZ/LzC6zuHArPpyW
3daGaZ1rtQB1vVzTyERAVVFsXXgBHvfFud3w3ShsJYk8JvMwK2RpJ5/gV0QSARcm
LDRUAlPzAgMBAAECggEBAMc7rDeUaXiWv6bMGbZ3BTXpg1FhdddnWUnYE8HfX/km
OFI7XtBHXcgYFpcjYz4D5787pcsk7ezPidAj58zqenuclmjKnUmT3pfbI5eCA2v4
C9HnbYDrmUPK1ZcADtka4D6ScDccpNYNa1g2TFHzkIrEa6H+q7S3O2fqxY/DRVtN
0JIXalBb8daaqL5QVzSmM2BMVnHy+YITJWIkP2a3pKs9C0W65JGDsnG0wVrHinHF
+cnhFZIbaPEI//DAFMc9NkrWOKVRTEgcCUxCFaHOZVNxDWZD7A2ZfJB2rK6eg//y
gEiFDR2h6mTaDowMB4YF2n2dsIO4/dCG8vPHI20jn4ECgYEA/ZGu6lEMlO0XZnam
AZGtiNgLcCfM/C2ZERZE7QTRPZH1WdK92Al9ndldsswFw4baJrJLCmghjF/iG4zi
hhBvLnOLksnZUfjdumxoHDWXo2QBWbI5QsWIE7AuTiWgWj1I7X4fCXSQf6i+M/y2
6TogQ7d0ANpZFyOkTNMn/tiJvLECgYEA22XqlamG/yfAGWery5KNH2DGlTIyd6xJ
WtJ9j3jU99lZ0bCQ5xhiBbU9ImxCi3zgTsoqLWgA/p00HhNFNoUcTl9ofc0G3zwT
D1y0ZzcnVKxGJdZ6ohW52V0hJStAigtjYAsUgjm7//FH7PiQDBDP1Wa6xSRkDQU/
aSbQxvEE8+MCgYEA3bb8krW7opyM0XL9RHH0oqsFlVO30Oit5lrqebS0oHl3Zsr2
ZGgoBlWBsEzk3UqUhTFwm/DhJLTSJ/TQPRkxnhQ5/mewNhS9C7yua7wQkzVmWN+V
YeUGTvDGDF6qDz12/vJAgSwDDRym8x4NcXD5tTw7mmNRcwIfL22SkysThIECgYAV
BgccoEoXWS/HP2/u6fQr9ZIR6eV8Ij5FPbZacTG3LlS1Cz5XZra95UgebFFUHHtC
EY1JHJY7z8SWvTH8r3Su7eWNaIAoFBGffzqqSVazfm6aYZsOvRY6BfqPHT3p/H1h
Tq6AbBffxrcltgvXnCTORjHPglU0CjSxVs7awW3AEQKBgB5WtaC8VLROM7rkfVIq
+RXqE5vtJfa3e3N7W3RqxKp4zHFAPfr82FK5CX2bppEaxY7SEZVvVInKDc5gKdG/
jWNRBmvvftZhY59PILHO2X5vO4FXh7suEjy6VIh0gsnK36mmRboYIBGsNuDHjXLe
BDa+8mDLkWu5nHEhOxy2JJZl
-----END TESTING KEY-----`.replace(/TESTING KEY/g, 'PRIVATE KEY');
const SDK_EXPECTED_SIGNATURE =
  'BKyAfU4iMCuvXMXS0Wzam3V/cnxZ+JaqigPM5OhljS2iOT95OO6Fsuml2JkFANJU9K6q9bLlDhPXuoVz+pp4hAm6pHU4ld815U4jsKu1RkyaII+1CYBUYC8TK0XtJ8FwUXXz8vZHh58rrAVN1XwNyvD1vfpxrMT4SL536GLwvpUHlCqIMzoZUguLli/K8V29QiOhuH6IEqLNJn8e9b3nwNcQ7be3CzYGpDAKBfDGPCqCv8Rw5zndhlffk2FEA70G4hvMwe51qMN/RAJbknXG23bSlObuTCN7Ndj1aJGH6/L+hdwfLpUtJm4QYVazzW7DFD27EpSQEqA8bX9+8m1rLg==';

const keyPair = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
const platform = keyPair();
const merchant = keyPair();
const APIV3_KEY = createSecretKey(Buffer.from('0123456789abcdef0123456789abcdef', 'utf8'));

function encrypt(key: KeyObject, nonce: string, associatedData: string, plaintext: string): string {
  const cipher = createCipheriv('aes-256-gcm', key, Buffer.from(nonce, 'utf8'));
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  return Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]).toString('base64');
}

describe("WeChat Pay's published vectors", () => {
  it('signs "source" with the SDK test key exactly as wechatpay-go does (SHA256withRSA, PKCS#1 v1.5)', () => {
    const key = loadPrivateKey(SDK_TEST_KEY);
    expect(signSha256WithRsa('source', key)).toBe(SDK_EXPECTED_SIGNATURE);
  });

  it("decrypts wechatpay-go's AES-GCM vector (UTF-8 key and nonce, tag appended), and refuses its bad cases", () => {
    const key = createSecretKey(Buffer.from('testAPIv3Key0000', 'utf8'));
    const [nonce, aad] = ['wCq51qZv4Yfg', 'Dl56FrqWQJF1t9LtC3vEUsniZKvbqdR8'];
    expect(openAesGcm(key, nonce, aad, 'FsdXzxryWfKwvLJKf8LG/ToRPTRh8RN9wROC')).toBe('Hello World');
    expect(() => openAesGcm(key, nonce, aad, 'invalid cipher')).toThrow(DecryptionError);
    expect(() => openAesGcm(key, nonce, aad, 'SGVsbG8gV29ybGQK')).toThrow(DecryptionError);
    expect(() => openAesGcm(createSecretKey(Buffer.from('testAPIv3Key1111')), nonce, aad, 'FsdXzxryWfKwvLJKf8LG/ToRPTRh8RN9wROC')).toThrow(
      DecryptionError,
    );
    expect(() => openAesGcm(createSecretKey(Buffer.from('not a aes key')), nonce, aad, 'FsdXzxryWfKwvLJKf8LG/ToRPTRh8RN9wROC')).toThrow(
      DecryptionError,
    );
  });
});

describe('request signatures and paySign', () => {
  it('writes the Authorization header over METHOD, path with query, timestamp, nonce and body', () => {
    const credentials = { mchId: '1900000001', serialNo: 'ABCDEF0123', privateKey: merchant.privateKey };
    const body = '{"mchid":"1900000001"}';
    const header = authorizationHeader(
      credentials,
      { method: 'post', pathWithQuery: '/v3/pay/transactions/jsapi', body },
      1_700_000_000,
      'NONCE123',
    );
    const fields = parseAuthorization(header);
    expect(fields).toMatchObject({ mchid: '1900000001', nonce_str: 'NONCE123', timestamp: '1700000000', serial_no: 'ABCDEF0123' });
    const message = requestMessage('POST', '/v3/pay/transactions/jsapi', '1700000000', 'NONCE123', body);
    expect(message).toBe('POST\n/v3/pay/transactions/jsapi\n1700000000\nNONCE123\n{"mchid":"1900000001"}\n');
    expect(verifySha256WithRsa(message, fields!.signature, merchant.publicKey)).toBe(true);
    expect(verifySha256WithRsa(message.replace('1900000001', '1900000002'), fields!.signature, merchant.publicKey)).toBe(false);
    expect(parseAuthorization('Bearer x')).toBeNull();
  });

  it('signs wx.requestPayment parameters over appId, timeStamp, nonceStr and package', () => {
    const params = requestPaymentParams(
      'wx1234567890abcdef',
      'wx201410272009395522657a690389285100',
      merchant.privateKey,
      1_414_561_699,
      'n0nce',
    );
    expect(params).toMatchObject({
      timeStamp: '1414561699',
      nonceStr: 'n0nce',
      package: 'prepay_id=wx201410272009395522657a690389285100',
      signType: 'RSA',
    });
    const message = 'wx1234567890abcdef\n1414561699\nn0nce\nprepay_id=wx201410272009395522657a690389285100\n';
    expect(verifySha256WithRsa(message, params.paySign, merchant.publicKey)).toBe(true);
  });
});

describe('notification resources', () => {
  it('decrypts with the APIv3 key, nonce and associated data, and refuses any of them changed', () => {
    const ciphertext = encrypt(APIV3_KEY, 'abcdefghijkl', 'transaction', '{"out_trade_no":"ORDER0000000001"}');
    const resource = { algorithm: 'AEAD_AES_256_GCM', ciphertext, nonce: 'abcdefghijkl', associated_data: 'transaction' };
    expect(JSON.parse(decryptResource(APIV3_KEY, resource))).toEqual({ out_trade_no: 'ORDER0000000001' });
    expect(() => decryptResource(createSecretKey(Buffer.from('x'.repeat(32))), resource)).toThrow(DecryptionError);
    expect(() => decryptResource(APIV3_KEY, { ...resource, nonce: 'abcdefghijkm' })).toThrow(DecryptionError);
    expect(() => decryptResource(APIV3_KEY, { ...resource, associated_data: 'certificate' })).toThrow(DecryptionError);
    expect(() => decryptResource(APIV3_KEY, { ...resource, algorithm: 'AES_128_CBC' })).toThrow(DecryptionError);
    expect(() => decryptResource(createSecretKey(Buffer.alloc(16)), resource)).toThrow(/32 bytes/);
  });
});

describe('the signature verifier', () => {
  const now = 1_800_000_000_000;
  const serial = 'PUB_KEY_ID_0119000000012026';
  const verifier = () =>
    new SignatureVerifier({
      keys: new Map<string, KeyObject>([[serial, platform.publicKey]]),
      nonces: new MemoryNonceStore(() => now),
      now: () => now,
    });
  const signed = (body: string, options: { timestamp?: number; nonce?: string; key?: KeyObject; serial?: string } = {}) => {
    const timestamp = String(options.timestamp ?? now / 1000);
    const nonce = options.nonce ?? `nonce-${Math.random()}`;
    return {
      'wechatpay-timestamp': timestamp,
      'wechatpay-nonce': nonce,
      'wechatpay-signature': signSha256WithRsa(`${timestamp}\n${nonce}\n${body}\n`, options.key ?? platform.privateKey),
      'wechatpay-serial': options.serial ?? serial,
    };
  };
  const reasonOf = async (promise: Promise<void>): Promise<SignatureFailure | null> => {
    try {
      await promise;
      return null;
    } catch (error) {
      expect(error).toBeInstanceOf(WeChatPaySignatureError);
      return (error as WeChatPaySignatureError).reason;
    }
  };

  it('accepts a fresh signature by the key the serial names', async () => {
    expect(await reasonOf(verifier().verify(signed('{"a":1}'), '{"a":1}', { rememberNonce: true }))).toBeNull();
  });

  it('refuses a tampered body, another key, an unknown serial, missing headers', async () => {
    const v = verifier();
    expect(await reasonOf(v.verify(signed('{"total":100}'), '{"total":1}', { rememberNonce: true }))).toBe('signature-invalid');
    expect(await reasonOf(v.verify(signed('{}', { key: merchant.privateKey }), '{}', { rememberNonce: true }))).toBe('signature-invalid');
    expect(await reasonOf(v.verify(signed('{}', { serial: 'PUB_KEY_ID_OTHER' }), '{}', { rememberNonce: true }))).toBe('serial-unknown');
    const { 'wechatpay-nonce': _dropped, ...partial } = signed('{}');
    expect(await reasonOf(v.verify(partial, '{}', { rememberNonce: true }))).toBe('headers-missing');
  });

  it('refuses timestamps more than 5 minutes old or ahead, even with a valid signature', async () => {
    const v = verifier();
    expect(await reasonOf(v.verify(signed('{}', { timestamp: now / 1000 - 301 }), '{}', { rememberNonce: true }))).toBe(
      'timestamp-out-of-window',
    );
    expect(await reasonOf(v.verify(signed('{}', { timestamp: now / 1000 + 301 }), '{}', { rememberNonce: true }))).toBe(
      'timestamp-out-of-window',
    );
    expect(await reasonOf(v.verify(signed('{}', { timestamp: now / 1000 - 299 }), '{}', { rememberNonce: true }))).toBeNull();
  });

  it('refuses a replayed notification (same nonce), and only after its signature verified', async () => {
    const v = verifier();
    const headers = signed('{"id":"n1"}', { nonce: 'replayed-nonce' });
    expect(await reasonOf(v.verify(headers, '{"id":"n1"}', { rememberNonce: true }))).toBeNull();
    expect(await reasonOf(v.verify(headers, '{"id":"n1"}', { rememberNonce: true }))).toBe('nonce-replayed');
    // A forgery carrying a fresh nonce does not burn it for WeChat Pay's real notification.
    const v2 = verifier();
    const forged = { ...signed('{}', { nonce: 'fresh', key: merchant.privateKey }) };
    expect(await reasonOf(v2.verify(forged, '{}', { rememberNonce: true }))).toBe('signature-invalid');
    expect(await reasonOf(v2.verify(signed('{}', { nonce: 'fresh' }), '{}', { rememberNonce: true }))).toBeNull();
  });
});

describe('the nonce stores', () => {
  const down = createDownRedis();
  const shared = createTestRedis();
  afterAll(async () => {
    await down.close();
    await shared.close();
  });
  const stores: Array<[string, () => NonceStore]> = [
    ['memory', () => new MemoryNonceStore()],
    ['Redis', () => new RedisNonceStore(shared.redis)],
    [
      'Redis with a fallback, Redis down',
      () => new FallbackNonceStore(new RedisNonceStore(down.redis), new OutageLog(pino({ level: 'silent' }), 'redis')),
    ],
  ];

  it.each(stores)('%s: refuses a nonce seen, and takes it again once forgotten', async (_name, create) => {
    const store = create();
    const nonce = `serial:nonce-${Math.random()}`;
    expect(await store.remember(nonce, 60)).toBe(true);
    expect(await store.remember(nonce, 60)).toBe(false);
    await store.forget(nonce);
    expect(await store.remember(nonce, 60)).toBe(true);
  });
});
