/**
 * WeChat Pay's configuration, from the WECHATPAY_* variables (documented in .env.example).
 * Payment is optional: with WECHATPAY_MCHID unset it is disabled (pay.prepare answers
 * PAYMENT_DISABLED and /webhooks/wechatpay is not served). Set, every other key it needs must be
 * there and readable, in any environment; in production, none may be a placeholder or a dev
 * value, and the notify URL must be https. Each problem names its variable, never its value.
 */
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { WeChatPaySettings } from '@app/api';
import { isPlaceholder, type ConfigProblem } from './secrets';

export const WECHATPAY_API = 'https://api.mch.weixin.qq.com';

/** The WeChat mock's dev merchant id (its serial starts DEV0000): refused in production as placeholders are. */
const DEV_MCH_ID = '1900000000';

/** The variables, as loadConfig's schema declares them (all optional strings). */
export interface PaymentVariables {
  WECHATPAY_MCHID?: string | undefined;
  WECHATPAY_MERCHANT_SERIAL?: string | undefined;
  WECHATPAY_PRIVATE_KEY?: string | undefined;
  WECHATPAY_PRIVATE_KEY_PATH?: string | undefined;
  WECHATPAY_APIV3_KEY?: string | undefined;
  WECHATPAY_PUBLIC_KEY_ID?: string | undefined;
  WECHATPAY_PUBLIC_KEY?: string | undefined;
  WECHATPAY_PUBLIC_KEY_PATH?: string | undefined;
  WECHATPAY_PLATFORM_CERT_PATHS?: string | undefined;
  WECHATPAY_NOTIFY_URL?: string | undefined;
  WECHATPAY_API_BASE_URL?: string | undefined;
  WECHATPAY_TIMEOUT_MS: number;
}

/** A PEM given inline (newlines may be written `\n`, as one-line secret stores need) or as a file. */
function pemOf(
  inline: string | undefined,
  path: string | undefined,
  names: { inline: string; path: string },
  problems: ConfigProblem[],
): { pem: string; variable: string } | null {
  if (inline !== undefined && path !== undefined) {
    problems.push({ variable: names.path, message: `set either ${names.inline} or ${names.path}, not both` });
    return null;
  }
  if (inline !== undefined) return { pem: inline.replace(/\\n/g, '\n'), variable: names.inline };
  if (path === undefined) return null;
  try {
    return { pem: readFileSync(path, 'utf8'), variable: names.path };
  } catch (error) {
    problems.push({ variable: names.path, message: `cannot be read (${(error as { code?: string }).code ?? 'error'})` });
    return null;
  }
}

function parses(parse: () => unknown): boolean {
  try {
    parse();
    return true;
  } catch {
    return false;
  }
}

function isRsaPrivateKey(pem: string): boolean {
  try {
    return createPrivateKey(pem).asymmetricKeyType === 'rsa';
  } catch {
    return false;
  }
}

export function paymentSettings(
  env: PaymentVariables,
  context: { production: boolean; devBaseUrl: string },
): { settings: WeChatPaySettings | null; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const mchId = env.WECHATPAY_MCHID;
  if (mchId === undefined) return { settings: null, problems };
  const required = (variable: keyof PaymentVariables, value: string | undefined): value is string => {
    if (value !== undefined) return true;
    problems.push({ variable, message: 'is required when WECHATPAY_MCHID is set (payment enabled)' });
    return false;
  };

  const serial = env.WECHATPAY_MERCHANT_SERIAL;
  required('WECHATPAY_MERCHANT_SERIAL', serial);
  const apiV3Key = env.WECHATPAY_APIV3_KEY;
  if (required('WECHATPAY_APIV3_KEY', apiV3Key) && Buffer.byteLength(apiV3Key, 'utf8') !== 32) {
    problems.push({ variable: 'WECHATPAY_APIV3_KEY', message: 'must be exactly 32 bytes (the APIv3 key set in the merchant platform)' });
  }
  const notifyUrl = env.WECHATPAY_NOTIFY_URL;
  required('WECHATPAY_NOTIFY_URL', notifyUrl);

  const privateKey = pemOf(
    env.WECHATPAY_PRIVATE_KEY,
    env.WECHATPAY_PRIVATE_KEY_PATH,
    { inline: 'WECHATPAY_PRIVATE_KEY', path: 'WECHATPAY_PRIVATE_KEY_PATH' },
    problems,
  );
  if (!privateKey && !problems.some((p) => p.variable.startsWith('WECHATPAY_PRIVATE_KEY'))) {
    problems.push({
      variable: 'WECHATPAY_PRIVATE_KEY_PATH',
      message: 'is required when WECHATPAY_MCHID is set (or WECHATPAY_PRIVATE_KEY)',
    });
  }
  if (privateKey && !isRsaPrivateKey(privateKey.pem)) {
    problems.push({ variable: privateKey.variable, message: 'is not a PEM RSA private key (apiclient_key.pem)' });
  }

  const publicKey = pemOf(
    env.WECHATPAY_PUBLIC_KEY,
    env.WECHATPAY_PUBLIC_KEY_PATH,
    { inline: 'WECHATPAY_PUBLIC_KEY', path: 'WECHATPAY_PUBLIC_KEY_PATH' },
    problems,
  );
  const publicKeyId = env.WECHATPAY_PUBLIC_KEY_ID;
  if (publicKey && !parses(() => createPublicKey(publicKey.pem))) {
    problems.push({ variable: publicKey.variable, message: 'is not a PEM public key (pub_key.pem)' });
  }
  if (publicKey && publicKeyId === undefined) {
    problems.push({ variable: 'WECHATPAY_PUBLIC_KEY_ID', message: 'is required with the WeChat Pay public key (PUB_KEY_ID_…)' });
  }
  if (!publicKey && publicKeyId !== undefined) {
    problems.push({ variable: 'WECHATPAY_PUBLIC_KEY_PATH', message: 'is required with WECHATPAY_PUBLIC_KEY_ID (or WECHATPAY_PUBLIC_KEY)' });
  }
  const certificates: string[] = [];
  for (const path of (env.WECHATPAY_PLATFORM_CERT_PATHS ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)) {
    const pem = pemOf(undefined, path, { inline: '', path: 'WECHATPAY_PLATFORM_CERT_PATHS' }, problems);
    if (pem && !parses(() => new X509Certificate(pem.pem))) {
      problems.push({ variable: 'WECHATPAY_PLATFORM_CERT_PATHS', message: `${path} is not a PEM certificate` });
    } else if (pem) certificates.push(pem.pem);
  }
  if (!publicKey && publicKeyId === undefined && env.WECHATPAY_PLATFORM_CERT_PATHS === undefined) {
    problems.push({
      variable: 'WECHATPAY_PUBLIC_KEY_PATH',
      message: 'WeChat Pay needs its public key (WECHATPAY_PUBLIC_KEY_PATH + WECHATPAY_PUBLIC_KEY_ID) or WECHATPAY_PLATFORM_CERT_PATHS',
    });
  }

  if (context.production) {
    const placeholders: Array<[keyof PaymentVariables, string | undefined]> = [
      ['WECHATPAY_MCHID', mchId === DEV_MCH_ID ? 'dev-only' : mchId],
      ['WECHATPAY_MERCHANT_SERIAL', serial?.startsWith('DEV0000') ? 'dev-only' : serial],
      ['WECHATPAY_APIV3_KEY', apiV3Key],
      ['WECHATPAY_PUBLIC_KEY_ID', publicKeyId],
      ['WECHATPAY_NOTIFY_URL', notifyUrl],
    ];
    // Identifiers (and a key of fixed length) from the merchant platform: no length rule, and the
    // advice differs from config.ts's secretProblem, but the same placeholders are refused.
    for (const [variable, value] of placeholders) {
      if (value !== undefined && isPlaceholder(value)) {
        problems.push({ variable, message: 'is a placeholder or development value; use the one from the WeChat Pay merchant platform' });
      }
    }
    if (notifyUrl !== undefined && !notifyUrl.startsWith('https://')) {
      problems.push({ variable: 'WECHATPAY_NOTIFY_URL', message: 'must be https in production (WeChat Pay calls only https URLs)' });
    }
  }
  if (problems.length > 0 || !serial || !apiV3Key || !notifyUrl || !privateKey) return { settings: null, problems };
  return {
    settings: {
      mchId,
      merchantSerialNo: serial,
      merchantPrivateKeyPem: privateKey.pem,
      apiV3Key,
      publicKey: publicKey && publicKeyId ? { id: publicKeyId, pem: publicKey.pem } : null,
      platformCertificatePems: certificates,
      notifyUrl,
      baseUrl: env.WECHATPAY_API_BASE_URL ?? (context.production ? WECHATPAY_API : context.devBaseUrl),
      timeoutMs: env.WECHATPAY_TIMEOUT_MS,
    },
    problems,
  };
}
