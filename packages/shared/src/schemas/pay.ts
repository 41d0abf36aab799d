/**
 * WeChat Pay's contracts: what the mini-program sends to start a payment, and the parameters it
 * hands to `wx.requestPayment` (Taro.requestPayment) unchanged. The client's success callback
 * proves nothing: the order becomes PAID only on WeChat Pay's verified word to the server.
 */
import * as z from 'zod/mini';
import '../zod';

export const payPrepareInputSchema = z.object({ orderId: z.int().check(z.positive()) });
export type PayPrepareInput = z.infer<typeof payPrepareInputSchema>;

/** `pay.confirm`: the client is back from `wx.requestPayment`; the answer is the order. */
export const payConfirmInputSchema = z.object({ orderId: z.int().check(z.positive()) });
export type PayConfirmInput = z.infer<typeof payConfirmInputSchema>;

/** WeChat Pay's limit on a refund's reason (shown to the user in WeChat's refund message). */
export const MAX_REFUND_REASON_LENGTH = 80;

/**
 * `pay.refund`: the whole amount of the user's own paid order back to where it came from. The
 * answer is the order, REFUNDING until WeChat Pay says the money is back.
 */
export const payRefundInputSchema = z.object({
  orderId: z.int().check(z.positive()),
  reason: z.optional(
    z
      .string()
      .check(
        z.trim(),
        z.minLength(1, { message: '请填写退款原因' }),
        z.maxLength(MAX_REFUND_REASON_LENGTH, { message: `退款原因最多 ${MAX_REFUND_REASON_LENGTH} 个字` }),
      ),
  ),
});
export type PayRefundInput = z.input<typeof payRefundInputSchema>;

/** `wx.requestPayment`'s parameters for JSAPI (mini-program) payments, API v3. */
export const requestPaymentParamsSchema = z.object({
  /** Seconds since the epoch, as a string. */
  timeStamp: z.string(),
  nonceStr: z.string(),
  /** `prepay_id=…` */
  package: z.string().check(z.startsWith('prepay_id=')),
  signType: z.literal('RSA'),
  paySign: z.string(),
});
export type RequestPaymentParams = z.infer<typeof requestPaymentParamsSchema>;
