/**
 * WeChat Pay API v3's cryptography, with node:crypto only: the merchant's request signature, the
 * verification of WeChat Pay's signatures (responses and notifications), the AEAD_AES_256_GCM
 * decryption of a notification's `resource`, and the `paySign` of `wx.requestPayment`.
 *
 * Why no library: the npm candidates do not fit this server. `wechatpay-axios-plugin` (0.9.x,
 * maintained) is built on axios (this server speaks fetch, with its own timeouts and budgets),
 * ships CommonJS without types of its own, and brings axios, fast-xml-parser and a multipart
 * package for the v2 API and uploads we do not use. `wechatpay-node-v3` (2.2.x) is built on
 * superagent and `@fidm/x509` (pinned, unmaintained since 2019), is CommonJS, and hides the
 * transport. What v3 needs is small and fully documented: one RSA-SHA256 (PKCS#1 v1.5) signature
 * each way and one AES-256-GCM decryption. Written here, it is ~150 lines with no dependency,
 * tested against WeChat Pay's own SDK vectors (test/wechat/pay-crypto.test.ts), and the transport
 * stays the project's (fetch, AbortSignal timeouts).
 *
 * Message formats (WeChat Pay API v3, 签名生成 / 签名验证 / 回调报文解密 / JSAPI调起支付):
 * - request:      `METHOD\nURL_PATH_WITH_QUERY\nTIMESTAMP\nNONCE\nBODY\n`, sent as
 *                 `Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",signature="…",timestamp="…",serial_no="…"`;
 * - response and notification: `TIMESTAMP\nNONCE\nBODY\n`, checked with the WeChat Pay key named
 *                 by `Wechatpay-Serial` (a public key id `PUB_KEY_ID_…`, or a platform certificate's serial);
 * - paySign:      `appId\ntimeStamp\nnonceStr\npackage\n`, signed with the merchant's key.
 */
import {
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  createSign,
  createVerify,
  randomBytes,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';

export const AUTH_SCHEMA = 'WECHATPAY2-SHA256-RSA2048';

/** The window WeChat Pay and its SDKs allow between a signature's timestamp and now. */
export const SIGNATURE_MAX_SKEW_SECONDS = 5 * 60;

/** A nonce as WeChat's SDKs make them: 32 characters of [0-9A-Za-z]. */
export function createNonce(length = 32): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const bytes = randomBytes(length);
  let nonce = '';
  // 62 letters: a byte modulo 62 is slightly biased, irrelevant for a nonce (it need not be secret).
  for (const byte of bytes) nonce += alphabet[byte % alphabet.length];
  return nonce;
}

export function signSha256WithRsa(message: string, privateKey: KeyObject): string {
  return createSign('RSA-SHA256').update(message, 'utf8').sign(privateKey, 'base64');
}

export function verifySha256WithRsa(message: string, signature: string, publicKey: KeyObject): boolean {
  try {
    return createVerify('RSA-SHA256').update(message, 'utf8').verify(publicKey, signature, 'base64');
  } catch {
    return false; // a signature that is not even base64 of the right length
  }
}

export function requestMessage(method: string, pathWithQuery: string, timestamp: string, nonce: string, body: string): string {
  return `${method.toUpperCase()}\n${pathWithQuery}\n${timestamp}\n${nonce}\n${body}\n`;
}

export function responseMessage(timestamp: string, nonce: string, body: string): string {
  return `${timestamp}\n${nonce}\n${body}\n`;
}

export interface MerchantCredentials {
  mchId: string;
  /** The serial number of the merchant's API certificate (商户API证书序列号). */
  serialNo: string;
  privateKey: KeyObject;
}

/** The Authorization header of one request. `timestamp` in seconds since the epoch. */
export function authorizationHeader(
  merchant: MerchantCredentials,
  request: { method: string; pathWithQuery: string; body: string },
  timestamp: number,
  nonce = createNonce(),
): string {
  const signature = signSha256WithRsa(
    requestMessage(request.method, request.pathWithQuery, String(timestamp), nonce, request.body),
    merchant.privateKey,
  );
  return `${AUTH_SCHEMA} mchid="${merchant.mchId}",nonce_str="${nonce}",signature="${signature}",timestamp="${timestamp}",serial_no="${merchant.serialNo}"`;
}

/** The fields of a WECHATPAY2-SHA256-RSA2048 Authorization header, or null when it is not one. */
export function parseAuthorization(
  header: string | undefined,
): Record<'mchid' | 'nonce_str' | 'signature' | 'timestamp' | 'serial_no', string> | null {
  if (!header?.startsWith(`${AUTH_SCHEMA} `)) return null;
  const fields: Record<string, string> = {};
  for (const match of header.slice(AUTH_SCHEMA.length + 1).matchAll(/(\w+)="([^"]*)"/g)) fields[match[1] ?? ''] = match[2] ?? '';
  const { mchid, nonce_str, signature, timestamp, serial_no } = fields;
  if (!mchid || !nonce_str || !signature || !timestamp || !serial_no) return null;
  return { mchid, nonce_str, signature, timestamp, serial_no };
}

/** The parameters of `wx.requestPayment` for a prepay id. */
export interface RequestPaymentParams {
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: 'RSA';
  paySign: string;
}

export function requestPaymentParams(
  appId: string,
  prepayId: string,
  privateKey: KeyObject,
  timestampSeconds: number,
  nonce = createNonce(),
): RequestPaymentParams {
  const timeStamp = String(timestampSeconds);
  const pkg = `prepay_id=${prepayId}`;
  return {
    timeStamp,
    nonceStr: nonce,
    package: pkg,
    signType: 'RSA',
    paySign: signSha256WithRsa(`${appId}\n${timeStamp}\n${nonce}\n${pkg}\n`, privateKey),
  };
}

const GCM_TAG_BYTES = 16;

export class DecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecryptionError';
  }
}

/**
 * AES-GCM as WeChat Pay uses it: the key and nonce are the UTF-8 bytes of their strings, the
 * ciphertext is base64 of the encrypted bytes followed by the 16-byte tag. Exported for the SDK
 * test vector (whose key is 16 bytes); payments use decryptResource, which insists on 32.
 */
export function openAesGcm(key: KeyObject, nonce: string, associatedData: string, ciphertextBase64: string): string {
  const keyBytes = key.symmetricKeySize ?? 0;
  if (![16, 24, 32].includes(keyBytes)) throw new DecryptionError('the key must be 16, 24 or 32 bytes');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(ciphertextBase64)) throw new DecryptionError('the ciphertext is not base64');
  const data = Buffer.from(ciphertextBase64, 'base64');
  if (data.length < GCM_TAG_BYTES) throw new DecryptionError('the ciphertext is shorter than its tag');
  try {
    const algorithm = keyBytes === 32 ? 'aes-256-gcm' : keyBytes === 24 ? 'aes-192-gcm' : 'aes-128-gcm';
    const decipher = createDecipheriv(algorithm, key, Buffer.from(nonce, 'utf8'));
    decipher.setAuthTag(data.subarray(data.length - GCM_TAG_BYTES));
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    return Buffer.concat([decipher.update(data.subarray(0, data.length - GCM_TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new DecryptionError('the ciphertext does not authenticate (wrong key, nonce, associated data or tampered)');
  }
}

/** The encrypted `resource` of a notification. */
export interface EncryptedResource {
  algorithm: string;
  ciphertext: string;
  nonce: string;
  associated_data?: string;
  original_type?: string;
}

/** Decrypts a notification's resource with the APIv3 key (32 bytes). */
export function decryptResource(apiV3Key: KeyObject, resource: EncryptedResource): string {
  if (apiV3Key.symmetricKeySize !== 32) throw new DecryptionError('the APIv3 key must be 32 bytes');
  if (resource.algorithm !== 'AEAD_AES_256_GCM') throw new DecryptionError(`unsupported algorithm ${resource.algorithm}`);
  return openAesGcm(apiV3Key, resource.nonce, resource.associated_data ?? '', resource.ciphertext);
}

/** A PEM private key (PKCS#8 as WeChat's tool writes apiclient_key.pem, or PKCS#1), refused unless RSA. */
export function loadPrivateKey(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'rsa') throw new Error('not an RSA private key');
  return key;
}

/** A PEM public key (WeChat Pay public-key mode: pub_key.pem), refused unless RSA. */
export function loadPublicKey(pem: string): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'rsa') throw new Error('not an RSA public key');
  return key;
}

/** A platform certificate (平台证书): its serial (as `Wechatpay-Serial` sends it, upper-case hex) and key. */
export function loadPlatformCertificate(pem: string): { serial: string; publicKey: KeyObject; validTo: Date } {
  const certificate = new X509Certificate(pem);
  return { serial: certificate.serialNumber.toUpperCase(), publicKey: certificate.publicKey, validTo: new Date(certificate.validTo) };
}
