import { payPrepareInputSchema, requestPaymentParamsSchema } from '@app/shared';
import { authedProcedure, router } from '../../trpc';
import { preparePayment } from './pay.service';

/** WeChat Pay. Its notifications are not tRPC: apps/server serves POST /webhooks/wechatpay. */
export const payRouter = router({
  /** `wx.requestPayment`'s parameters for the user's own pending order. */
  prepare: authedProcedure
    .input(payPrepareInputSchema)
    .output(requestPaymentParamsSchema)
    .mutation(({ ctx, input }) => preparePayment(ctx, ctx.session.userId, input.orderId)),
});
