/**
 * WeChat Pay's configuration and the long-lived objects built from it once at start: the keys
 * loaded and checked, the client, the notification verifier.
 */
import { createSecretKey, type KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import { loadPlatformCertificate, loadPrivateKey, loadPublicKey } from './crypto';
import { WeChatPayClient } from './client';
import type { NonceStore } from './nonce-store';
import { SignatureVerifier } from './verifier';

export interface WeChatPaySettings {
  /** 商户号. */
  mchId: string;
  /** 商户API证书序列号: names the key of our request signatures. */
  merchantSerialNo: string;
  /** The merchant's API private key (apiclient_key.pem), PEM text. */
  merchantPrivateKeyPem: string;
  /** APIv3 密钥: 32 characters, the AES-256-GCM key of notifications. */
  apiV3Key: string;
  /** Public-key mode (微信支付公钥): its id (PUB_KEY_ID_…) and PEM. */
  publicKey: { id: string; pem: string } | null;
  /** Platform-certificate mode (平台证书): PEM certificates; their serials name them. */
  platformCertificatePems: readonly string[];
  /** Where WeChat Pay sends payment notifications: https://<domain>/webhooks/wechatpay. */
  notifyUrl: string;
  /** https://api.mch.weixin.qq.com, or the WeChat mock. */
  baseUrl: string;
  timeoutMs?: number;
}

export interface PayServices {
  appId: string;
  mchId: string;
  notifyUrl: string;
  client: WeChatPayClient;
  verifier: SignatureVerifier;
  /** The APIv3 key as a KeyObject, made once (node:crypto would make one per decryption from bytes). */
  apiV3Key: KeyObject;
  /** Signs paySign for wx.requestPayment. */
  merchantPrivateKey: KeyObject;
}

export function createPayServices(
  settings: WeChatPaySettings,
  options: { appId: string; logger: Logger; nonces: NonceStore; now: () => number },
): PayServices {
  const apiV3KeyBytes = Buffer.from(settings.apiV3Key, 'utf8');
  if (apiV3KeyBytes.length !== 32) throw new Error('the WeChat Pay APIv3 key must be 32 bytes');
  const apiV3Key = createSecretKey(apiV3KeyBytes);
  const keys = new Map<string, KeyObject>();
  if (settings.publicKey) keys.set(settings.publicKey.id, loadPublicKey(settings.publicKey.pem));
  for (const pem of settings.platformCertificatePems) {
    const certificate = loadPlatformCertificate(pem);
    keys.set(certificate.serial, certificate.publicKey);
  }
  if (keys.size === 0) throw new Error('WeChat Pay needs its public key or at least one platform certificate');
  const merchantPrivateKey = loadPrivateKey(settings.merchantPrivateKeyPem);
  const verifier = new SignatureVerifier({ keys, nonces: options.nonces, now: options.now });
  return {
    appId: options.appId,
    mchId: settings.mchId,
    notifyUrl: settings.notifyUrl,
    apiV3Key,
    merchantPrivateKey,
    verifier,
    client: new WeChatPayClient({
      baseUrl: settings.baseUrl,
      merchant: { mchId: settings.mchId, serialNo: settings.merchantSerialNo, privateKey: merchantPrivateKey },
      verifier,
      logger: options.logger,
      now: options.now,
      ...(settings.timeoutMs === undefined ? {} : { timeoutMs: settings.timeoutMs }),
    }),
  };
}
