/**
 * A WeChat Pay notification (支付通知), from the raw body WeChat Pay POSTs to notify_url: its
 * signature checked (verifier.ts), then its `resource` decrypted with the APIv3 key. Nothing in
 * the body is believed before both.
 */
import { decryptResource, DecryptionError, type EncryptedResource } from './crypto';
import type { Transaction } from './client';
import type { SignatureVerifier, SignedHeaders } from './verifier';

export interface PaymentNotification {
  id: string;
  eventType: string;
  transaction: Transaction;
}

/** The body is signed but not what a payment notification looks like, or does not decrypt. */
export class NotificationFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotificationFormatError';
  }
}

interface NotificationBody {
  id?: unknown;
  event_type?: unknown;
  resource_type?: unknown;
  resource?: Partial<EncryptedResource>;
}

export async function readPaymentNotification(
  verifier: SignatureVerifier,
  apiV3Key: Buffer,
  headers: SignedHeaders,
  rawBody: string,
): Promise<PaymentNotification> {
  // The signature first: it covers the exact bytes received (never a re-serialised object).
  await verifier.verify(headers, rawBody, { rememberNonce: true });
  let body: NotificationBody;
  try {
    body = JSON.parse(rawBody) as NotificationBody;
  } catch {
    throw new NotificationFormatError('the body is not JSON');
  }
  const { resource } = body;
  if (
    typeof body.id !== 'string' ||
    typeof body.event_type !== 'string' ||
    typeof resource?.ciphertext !== 'string' ||
    typeof resource.nonce !== 'string' ||
    typeof resource.algorithm !== 'string'
  ) {
    throw new NotificationFormatError('not a notification: id, event_type or resource missing');
  }
  let plaintext: string;
  try {
    plaintext = decryptResource(apiV3Key, {
      algorithm: resource.algorithm,
      ciphertext: resource.ciphertext,
      nonce: resource.nonce,
      associated_data: typeof resource.associated_data === 'string' ? resource.associated_data : '',
    });
  } catch (error) {
    throw new NotificationFormatError(error instanceof DecryptionError ? error.message : 'the resource does not decrypt');
  }
  let transaction: Transaction;
  try {
    transaction = JSON.parse(plaintext) as Transaction;
  } catch {
    throw new NotificationFormatError('the resource is not JSON');
  }
  if (typeof transaction.out_trade_no !== 'string' || typeof transaction.mchid !== 'string' || typeof transaction.appid !== 'string') {
    throw new NotificationFormatError('the resource is not a transaction');
  }
  return { id: body.id, eventType: body.event_type, transaction };
}
