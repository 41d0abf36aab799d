/** The API: composition only. Each module owns its procedures. */
import { authRouter } from './modules/auth/auth.router';
import { catalogRouter } from './modules/catalog/catalog.router';
import { healthProcedure } from './modules/health/health.router';
import { orderRouter } from './modules/order/order.router';
import { payRouter } from './modules/pay/pay.router';
import { userRouter } from './modules/user/user.router';
import { createCallerFactory, router } from './trpc';

export const appRouter = router({
  health: healthProcedure,
  auth: authRouter,
  user: userRouter,
  catalog: catalogRouter,
  order: orderRouter,
  pay: payRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
