/**
 * What the payment and refund services share: their dependencies, the "payment enabled" check,
 * and how a failed query of WeChat Pay is answered.
 */
import type { Order } from '@app/shared';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../clock';
import type { Database } from '../../db/schema';
import { AppError } from '../../errors';
import type { RateLimits } from '../../rate-limits';
import type { Telemetry } from '../../telemetry';
import { WeChatPayApiError, WeChatTransportError, type PayServices } from '../../wechat/pay';

export interface PayDeps {
  db: Kysely<Database>;
  clock: Clock;
  logger: Logger;
  pay: PayServices | null;
  /** Told of orders paid and refunded (after their transactions commit) and of each notification. */
  telemetry: Telemetry;
}

/** The active queries (pay.confirm) are limited per user. */
export interface ConfirmDeps extends PayDeps {
  rateLimits: RateLimits;
}

/** The merchant's services, or PAYMENT_DISABLED when the server has none configured. */
export function enabledPay(pay: PayServices | null): PayServices {
  if (!pay) throw new AppError('PAYMENT_DISABLED');
  return pay;
}

/**
 * A query WeChat Pay refused leaves the order as it is (logged: the next notification or query
 * settles it); one it did not answer is PAYMENT_UNAVAILABLE, for the client to retry.
 */
export function orderAfterFailedQuery(logger: Logger, order: Order, error: unknown): Order {
  if (error instanceof WeChatPayApiError) {
    logger.warn({ orderId: order.id, status: error.status, code: error.code, detail: error.detail }, 'WeChat Pay refused a query');
    return order;
  }
  if (error instanceof WeChatTransportError) payUnavailable(logger, order.id, error);
  throw error;
}

/** WeChat Pay did not answer: logged, and PAYMENT_UNAVAILABLE for the client to retry. */
export function payUnavailable(logger: Logger, orderId: number, error: WeChatTransportError): never {
  logger.warn({ orderId, reason: error.reason, detail: error.detail }, 'WeChat Pay unavailable');
  throw new AppError('PAYMENT_UNAVAILABLE', { cause: error });
}

/** When WeChat Pay says the payment or refund succeeded; now when it sent no time that parses. */
export function successTimeOf(resource: { success_time?: string | undefined }, now: Date): Date {
  const parsed = resource.success_time ? new Date(resource.success_time) : null;
  return parsed && !Number.isNaN(parsed.getTime()) ? parsed : now;
}
