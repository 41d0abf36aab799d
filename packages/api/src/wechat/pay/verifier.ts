/**
 * Checks what WeChat Pay signs (its responses and its notifications): the `Wechatpay-*` headers,
 * the signature over `TIMESTAMP\nNONCE\nBODY\n` with the key `Wechatpay-Serial` names, the
 * timestamp within 5 minutes of now, and, for notifications, a nonce not seen before.
 *
 * Keys: WeChat Pay's public key (public-key mode, serial `PUB_KEY_ID_…`) and/or platform
 * certificates (serial = the certificate's serial number); both may be configured at once, as
 * during WeChat Pay's migration from certificates to the public key.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { KeyObject } from 'node:crypto';
import { responseMessage, SIGNATURE_MAX_SKEW_SECONDS, verifySha256WithRsa } from './crypto';
import type { NonceStore } from './nonce-store';

export type SignatureFailure = 'headers-missing' | 'serial-unknown' | 'timestamp-out-of-window' | 'signature-invalid' | 'nonce-replayed';

export class WeChatPaySignatureError extends Error {
  constructor(readonly reason: SignatureFailure) {
    super(`WeChat Pay signature refused: ${reason}`);
    this.name = 'WeChatPaySignatureError';
  }
}

/** The four signed headers, as Node gives them (lower-case names). */
export interface SignedHeaders {
  'wechatpay-timestamp'?: string | string[] | undefined;
  'wechatpay-nonce'?: string | string[] | undefined;
  'wechatpay-signature'?: string | string[] | undefined;
  'wechatpay-serial'?: string | string[] | undefined;
}

const single = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? undefined : value);

/** A nonce is WeChat Pay's per platform certificate. */
const nonceKey = (serial: string, nonce: string): string => `${serial}:${nonce}`;

/** The four signed headers out of all of a request's or an answer's (Node's headers object). */
export function signedHeadersOf(headers: IncomingHttpHeaders): SignedHeaders {
  return {
    'wechatpay-timestamp': headers['wechatpay-timestamp'],
    'wechatpay-nonce': headers['wechatpay-nonce'],
    'wechatpay-signature': headers['wechatpay-signature'],
    'wechatpay-serial': headers['wechatpay-serial'],
  };
}

export interface SignatureVerifierOptions {
  /** WeChat Pay's keys by serial: the public key's id and/or platform certificates' serials. */
  keys: ReadonlyMap<string, KeyObject>;
  nonces: NonceStore;
  /** Milliseconds since the epoch. */
  now?: () => number;
}

export class SignatureVerifier {
  readonly #keys: ReadonlyMap<string, KeyObject>;
  readonly #nonces: NonceStore;
  readonly #now: () => number;

  constructor(options: SignatureVerifierOptions) {
    this.#keys = options.keys;
    this.#nonces = options.nonces;
    this.#now = options.now ?? Date.now;
  }

  /** The serials this verifier trusts. */
  get serials(): string[] {
    return [...this.#keys.keys()];
  }

  /**
   * Throws WeChatPaySignatureError unless `body` carries WeChat Pay's valid, fresh signature.
   * `rememberNonce`: notifications, whose replay must be refused; a response to our own request
   * cannot be replayed to us, so its nonce is not stored.
   */
  async verify(headers: SignedHeaders, body: string, options: { rememberNonce: boolean }): Promise<void> {
    const timestamp = single(headers['wechatpay-timestamp']);
    const nonce = single(headers['wechatpay-nonce']);
    const signature = single(headers['wechatpay-signature']);
    const serial = single(headers['wechatpay-serial']);
    if (!timestamp || !nonce || !signature || !serial) throw new WeChatPaySignatureError('headers-missing');
    const key = this.#keys.get(serial);
    if (!key) throw new WeChatPaySignatureError('serial-unknown');
    const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
    if (!(Math.abs(this.#now() / 1000 - seconds) <= SIGNATURE_MAX_SKEW_SECONDS))
      throw new WeChatPaySignatureError('timestamp-out-of-window');
    if (!verifySha256WithRsa(responseMessage(timestamp, nonce, body), signature, key))
      throw new WeChatPaySignatureError('signature-invalid');
    // Only after the signature: nobody but WeChat Pay can fill the store. Kept a little longer
    // than the window on either side, so the timestamp check always takes over from it.
    if (options.rememberNonce && !(await this.#nonces.remember(nonceKey(serial, nonce), 2 * SIGNATURE_MAX_SKEW_SECONDS + 60))) {
      throw new WeChatPaySignatureError('nonce-replayed');
    }
  }

  /**
   * Forgets the nonce of a notification verified (and remembered) here whose handling then failed
   * (the database): WeChat Pay, answered 5xx, sends it again, and that must not be a "replay".
   */
  async forgetNonce(headers: SignedHeaders): Promise<void> {
    const nonce = single(headers['wechatpay-nonce']);
    const serial = single(headers['wechatpay-serial']);
    if (nonce && serial) await this.#nonces.forget(nonceKey(serial, nonce));
  }
}
