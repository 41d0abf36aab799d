/**
 * WeChat Pay in tests: a merchant key pair made here (never a real key), the mock configured
 * with its public key, and the settings a server needs to talk to that mock.
 */
import { generateKeyPairSync } from 'node:crypto';
import { startWeChatMock, type PayMockOptions, type RunningWeChatMock } from '@app/wechat-mock';
import type { Clock } from '../../src/clock';
import type { WeChatPaySettings } from '../../src/wechat/pay';
import { TEST_APP } from './wechat';

export const TEST_MERCHANT = {
  mchId: '1230000109',
  serialNo: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
  apiV3Key: 'test-apiv3-key-0123456789abcdef!',
};

const merchantKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
export const MERCHANT_PUBLIC_KEY = merchantKeys.publicKey;
const MERCHANT_PRIVATE_KEY_PEM = merchantKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/** The mock, on the test's clock (signature timestamps agree), WeChat Pay's retries compressed 1000×. */
export function startPayMock(clock: Clock, pay: Partial<PayMockOptions> = {}): Promise<RunningWeChatMock> {
  return startWeChatMock({
    ...TEST_APP,
    now: () => clock.now().getTime(),
    pay: {
      mchId: TEST_MERCHANT.mchId,
      merchantSerialNo: TEST_MERCHANT.serialNo,
      apiV3Key: TEST_MERCHANT.apiV3Key,
      merchantPublicKeyPem: merchantKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      notifyScheduleScale: 0.001,
      ...pay,
    },
  });
}

export function paySettingsFor(mock: RunningWeChatMock, notifyUrl = 'http://127.0.0.1:1/webhooks/wechatpay'): WeChatPaySettings {
  return {
    mchId: TEST_MERCHANT.mchId,
    merchantSerialNo: TEST_MERCHANT.serialNo,
    merchantPrivateKeyPem: MERCHANT_PRIVATE_KEY_PEM,
    apiV3Key: TEST_MERCHANT.apiV3Key,
    publicKey: { id: mock.world.pay.publicKeyId, pem: mock.world.pay.platformPublicKeyPem },
    platformCertificatePems: [],
    notifyUrl,
    baseUrl: mock.url,
    timeoutMs: 2_000,
  };
}
