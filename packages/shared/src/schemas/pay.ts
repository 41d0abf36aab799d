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
