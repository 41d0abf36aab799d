/**
 * After a payment: the 订阅消息 telling the user their order is paid, run as a durable job
 * (ORDER_PAID_JOB, written with the PAID transition). Only if the user accepted the template at
 * checkout (Taro.requestSubscribeMessage): WeChat answers 43101 otherwise, and that is final.
 *
 * The template is the merchant's choice in the admin console (订阅消息 → 选用); this one expects the
 * keywords character_string1 (订单号), amount2 (支付金额), time3 (支付时间) and thing4 (商品名称).
 * Another template needs another `paidMessageData`.
 */
import { formatFen } from '@app/shared';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema';
import { PermanentJobError, type JobHandler } from '../../jobs/job-runner';
import type { SubscribeMessage, WeChatClient } from '../../wechat/client';
import { WeChatApiError } from '../../wechat/errors';
import { findOrderById, findOrderItems } from '../order/order.repository';
import { findUserById } from '../user/user.repository';
import { chinaTime } from './pay.service';

export interface PaidMessageSettings {
  /** Unset: no message is sent (the job ends at once). */
  templateId: string | null;
  state: SubscribeMessage['state'];
}

/** WeChat's answers that a retry cannot change: no accepted subscription, a bad openid, template or data. */
const FINAL_ERRCODES = new Set([43101, 40003, 40037, 47003]);

export function paidMessageData(
  order: { id: number; totalFen: number; paidAt: Date },
  firstTitle: string,
  lines: number,
): Record<string, string> {
  const title = lines > 1 ? `${firstTitle.slice(0, 14)}等${lines}件` : firstTitle;
  return {
    character_string1: String(order.id),
    amount2: formatFen(order.totalFen).replace('¥', '') + '元',
    // Beijing time to the minute, as the message shows it: 2026-11-30 18:05.
    time3: chinaTime(order.paidAt).slice(0, 16).replace('T', ' '),
    thing4: title.slice(0, 20),
  };
}

export function paidMessageHandler(
  deps: { db: Kysely<Database>; wechat: Pick<WeChatClient, 'sendSubscribeMessage'> },
  settings: PaidMessageSettings,
): JobHandler {
  return async (payload) => {
    if (!settings.templateId) return;
    const orderId = (payload as { orderId?: unknown } | null)?.orderId;
    if (typeof orderId !== 'number') throw new PermanentJobError('payload without orderId');
    const order = await findOrderById(deps.db, orderId);
    if (!order?.paid_at) throw new PermanentJobError(`order ${orderId} is not paid`);
    const user = await findUserById(deps.db, order.user_id);
    if (!user) throw new PermanentJobError(`the user of order ${orderId} is gone`);
    const items = await findOrderItems(deps.db, [order.id]);
    try {
      await deps.wechat.sendSubscribeMessage({
        openid: user.openid,
        templateId: settings.templateId,
        page: `shop/pages/order/index?id=${order.id}`,
        data: paidMessageData({ id: order.id, totalFen: order.total_fen, paidAt: order.paid_at }, items[0]?.title ?? '', items.length),
        state: settings.state,
      });
    } catch (error) {
      if (error instanceof WeChatApiError && FINAL_ERRCODES.has(error.errcode)) {
        throw new PermanentJobError(`WeChat refused the message: ${error.errcode}`);
      }
      throw error;
    }
  };
}
