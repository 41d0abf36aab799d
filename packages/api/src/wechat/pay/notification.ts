/**
 * A WeChat Pay notification (支付通知 or 退款通知, both to notify_url), from the raw body WeChat Pay POSTs to notify_url: its
 * signature checked (verifier.ts), then its `resource` decrypted with the APIv3 key. Nothing in
 * the body is believed before both.
 */
import type { KeyObject } from 'node:crypto';
import { decryptResource, DecryptionError, type EncryptedResource } from './crypto';
import type { Refund, Transaction } from './client';
import type { SignatureVerifier, SignedHeaders } from './verifier';

/** What the decrypted resource is, told by event_type: TRANSACTION.* or REFUND.*. */
export type PaymentNotification = { id: string; eventType: string } & (
  { kind: 'transaction'; transaction: Transaction } | { kind: 'refund'; refund: Refund } | { kind: 'other' }
);

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
  apiV3Key: KeyObject,
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
  let resourceBody: Record<string, unknown>;
  try {
    resourceBody = JSON.parse(plaintext) as Record<string, unknown>;
  } catch {
    throw new NotificationFormatError('the resource is not JSON');
  }
  const { id, event_type: eventType } = body;
  if (typeof resourceBody.out_trade_no !== 'string' || typeof resourceBody.mchid !== 'string') {
    throw new NotificationFormatError('the resource names no out_trade_no or mchid');
  }
  if (eventType.startsWith('TRANSACTION.')) {
    if (typeof resourceBody.appid !== 'string') throw new NotificationFormatError('the resource is not a transaction');
    return { id, eventType, kind: 'transaction', transaction: resourceBody as unknown as Transaction };
  }
  if (eventType.startsWith('REFUND.')) {
    if (typeof resourceBody.out_refund_no !== 'string' || typeof resourceBody.refund_status !== 'string') {
      throw new NotificationFormatError('the resource is not a refund');
    }
    return { id, eventType, kind: 'refund', refund: resourceBody as unknown as Refund };
  }
  return { id, eventType, kind: 'other' };
}
