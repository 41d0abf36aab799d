// Plain JavaScript (with pay-environment.d.mts beside it): the dev scripts that run the server
// beside the mock (apps/server/scripts/with-wechat-mock.mjs) run in plain Node, and the e2e
// stack in TypeScript; both need the same mapping.

/**
 * The server's WECHATPAY_* variables for paying through a running mock: its dev merchant and keys
 * (GET /__dev/pay/credentials, made at each mock start), notifications to `notifyUrl`.
 * @param {string} mockUrl
 * @param {string} notifyUrl
 * @returns {Promise<Record<string, string>>}
 */
export async function payEnvironmentFor(mockUrl, notifyUrl) {
  const response = await fetch(`${mockUrl}/__dev/pay/credentials`);
  if (!response.ok) throw new Error(`the WeChat mock's GET /__dev/pay/credentials answered ${response.status}`);
  const credentials = await response.json();
  return {
    WECHATPAY_MCHID: credentials.mchId,
    WECHATPAY_MERCHANT_SERIAL: credentials.merchantSerialNo,
    WECHATPAY_PRIVATE_KEY: credentials.merchantPrivateKey,
    WECHATPAY_APIV3_KEY: credentials.apiV3Key,
    WECHATPAY_PUBLIC_KEY_ID: credentials.publicKeyId,
    WECHATPAY_PUBLIC_KEY: credentials.publicKey,
    WECHATPAY_NOTIFY_URL: notifyUrl,
    WECHATPAY_API_BASE_URL: mockUrl,
  };
}
