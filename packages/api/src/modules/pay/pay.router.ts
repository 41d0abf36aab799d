import { orderSchema, payConfirmInputSchema, payPrepareInputSchema, payRefundInputSchema, requestPaymentParamsSchema } from '@app/shared';
import { authedProcedure, router } from '../../trpc';
import { confirmPayment, preparePayment } from './pay.service';
import { requestRefund } from './refund.service';

/** WeChat Pay. Its notifications are not tRPC: apps/server serves POST /webhooks/wechatpay. */
export const payRouter = router({
  /** `wx.requestPayment`'s parameters for the user's own pending order. */
  prepare: authedProcedure
    .input(payPrepareInputSchema)
    .output(requestPaymentParamsSchema)
    .mutation(({ ctx, input }) => preparePayment(ctx, ctx.session.userId, input.orderId)),

  /**
   * Back from `wx.requestPayment`: the order, after asking WeChat Pay about a still-pending one
   * (the active query; limited per user); for a REFUNDING order, about its refund. A mutation, not part of order.get: it calls WeChat Pay
   * and may change the order, which a query (a GET, retried and batched freely) must not.
   */
  confirm: authedProcedure
    .input(payConfirmInputSchema)
    .output(orderSchema)
    .mutation(({ ctx, input }) => confirmPayment(ctx, ctx.session.userId, input.orderId)),

  /** The user's own paid order refunded in full: REFUNDING now, REFUNDED when WeChat Pay says so. */
  refund: authedProcedure
    .input(payRefundInputSchema)
    .output(orderSchema)
    .mutation(({ ctx, input }) => requestRefund(ctx, ctx.session.userId, input.orderId, input.reason)),
});
