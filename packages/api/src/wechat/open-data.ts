/**
 * WeChat's server-side cryptography with the user's session_key:
 * - open data signature: sha1(rawData + session_key), hex;
 * - encrypted open data: AES-128-CBC, PKCS#7, key and iv in base64, with `watermark.appid`;
 * - checksession signature: hmac_sha256(key = session_key, data = "").
 */
import { createDecipheriv, createHash, createHmac, timingSafeEqual } from 'node:crypto';

export class OpenDataError extends Error {
  constructor(
    readonly reason: 'signature' | 'decrypt' | 'appid',
    message: string,
  ) {
    super(message);
    this.name = 'OpenDataError';
  }
}

function equalHex(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

export function rawDataSignature(rawData: string, sessionKey: string): string {
  return createHash('sha1')
    .update(rawData + sessionKey, 'utf8')
    .digest('hex');
}

/** Checks `signature = sha1(rawData + session_key)`; throws OpenDataError('signature') if not. */
export function verifyRawDataSignature(rawData: string, signature: string, sessionKey: string): void {
  if (!equalHex(rawDataSignature(rawData, sessionKey), signature.toLowerCase())) {
    throw new OpenDataError('signature', 'open data signature does not match');
  }
}

export interface Watermark {
  appid: string;
  timestamp: number;
}

/**
 * Decrypts `encryptedData` and checks that it was made for this app (`watermark.appid`).
 * Any failure (wrong key or iv, bad padding, not JSON, another app) is an OpenDataError.
 */
export function decryptOpenData<T extends object = Record<string, unknown>>(input: {
  encryptedData: string;
  iv: string;
  sessionKey: string;
  appId: string;
}): T & { watermark: Watermark } {
  let parsed: unknown;
  try {
    const key = Buffer.from(input.sessionKey, 'base64');
    const iv = Buffer.from(input.iv, 'base64');
    if (key.length !== 16 || iv.length !== 16) throw new Error('session_key and iv must be 16 bytes');
    const decipher = createDecipheriv('aes-128-cbc', key, iv);
    decipher.setAutoPadding(true);
    const plain = Buffer.concat([decipher.update(Buffer.from(input.encryptedData, 'base64')), decipher.final()]);
    parsed = JSON.parse(plain.toString('utf8'));
  } catch (error) {
    throw new OpenDataError('decrypt', `cannot decrypt open data: ${error instanceof Error ? error.message : String(error)}`);
  }
  const watermark = (parsed as { watermark?: Partial<Watermark> } | null)?.watermark;
  if (typeof parsed !== 'object' || parsed === null || watermark?.appid !== input.appId) {
    throw new OpenDataError('appid', 'open data was not issued for this app (watermark.appid)');
  }
  return parsed as T & { watermark: Watermark };
}

/** The signature `wxa/checksession` expects for a session_key. */
export function sessionSignature(sessionKey: string): string {
  return createHmac('sha256', sessionKey).update('').digest('hex');
}
