import { createOrderInputSchema, orderIdInputSchema, orderListInputSchema, orderListSchema, orderSchema } from '@app/shared';
import { authedProcedure, router } from '../../trpc';
import { closeTradesAtWeChatPay } from '../pay/pay.service';
import { cancelOrder, createOrder, getOrder, listOrders } from './order.service';

/** A user's own orders only: every procedure is scoped to the session's user. */
export const orderRouter = router({
  create: authedProcedure
    .input(createOrderInputSchema)
    .output(orderSchema)
    .mutation(({ ctx, input }) => createOrder(ctx, ctx.session.userId, input)),

  get: authedProcedure
    .meta({
      openapi: { method: 'GET', path: '/orders/{id}', tags: ['shop'], summary: "One of the user's orders", errors: ['ORDER_NOT_FOUND'] },
    })
    .input(orderIdInputSchema)
    .output(orderSchema)
    .query(({ ctx, input }) => getOrder(ctx, ctx.session.userId, input.id)),

  list: authedProcedure
    .meta({
      openapi: { method: 'GET', path: '/orders', tags: ['shop'], summary: "The user's orders, newest first, a cursor page at a time" },
    })
    .input(orderListInputSchema)
    .output(orderListSchema)
    .query(({ ctx, input }) => listOrders(ctx, ctx.session.userId, input)),

  cancel: authedProcedure
    .input(orderIdInputSchema)
    .output(orderSchema)
    // Closed here, then at WeChat Pay too (best effort, after the commit: pay.service.ts).
    .mutation(({ ctx, input }) => cancelOrder(ctx, ctx.session.userId, input.id, (orderId) => closeTradesAtWeChatPay(ctx, [orderId]))),
});
