/**
 * What the application tells its operator, as events: the seam between the services and a metrics
 * backend. This package knows no metrics library; the server implements the interface with
 * prom-client (apps/server/src/observability/metrics.ts) when metrics are configured, and every
 * service holds `noopTelemetry` otherwise, so an event then costs one call of an empty function.
 *
 * Every argument becomes a label value, so each one is drawn from a small, fixed set (endpoint
 * names, WeChat's errcodes, limiter names, order states, outcomes): never an id, a user or a text.
 */
import type { OrderStatus } from '@app/shared';
import type { RateLimitName } from './rate-limits';
import type { WeChatTransportError } from './wechat/errors';

/** Why WeChat gave no usable answer. */
type WeChatFailureReason = WeChatTransportError['reason'];

/** The WeChat client's circuit breaker (cockatiel's states). */
export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

/** Which notification WeChat Pay sent: a payment's, a refund's, or one we could not read. */
export type NotificationKind = 'transaction' | 'refund' | 'unread';

export interface Telemetry {
  /**
   * One HTTP exchange with WeChat's server API (each attempt, retries included): the endpoint
   * (`sns/jscode2session`), WeChat's errcode (0: success) or why there was no answer, and how long
   * it took in milliseconds.
   */
  wechatCall(endpoint: string, result: number | WeChatFailureReason, durationMs: number): void;
  /** The WeChat client's circuit breaker moved to this state. */
  breakerTransition(state: BreakerState): void;
  /** This instance fetched an access token (`forced`: WeChat had rejected the one stable_token still handed out). */
  tokenRefresh(forced: boolean): void;
  /** A request refused by this rate limit. */
  rateLimited(limiter: RateLimitName): void;
  /**
   * An order moved to this state, after the transaction that moved it committed; `reason` is the
   * one its order_events row records (CREATED, CANCELLED, TIMEOUT, WECHATPAY_NOTIFY, …); `count`
   * orders at once (the sweeper's batch), one unless told.
   */
  orderTransition(to: OrderStatus, reason: string, count?: number): void;
  /** What a WeChat Pay notification did (pay.service.ts, handlePaymentNotification). */
  paymentNotification(kind: NotificationKind, outcome: string): void;
}

const nothing = (): void => undefined;

/** Metrics off: every event is dropped. */
export const noopTelemetry: Telemetry = {
  wechatCall: nothing,
  breakerTransition: nothing,
  tokenRefresh: nothing,
  rateLimited: nothing,
  orderTransition: nothing,
  paymentNotification: nothing,
};
