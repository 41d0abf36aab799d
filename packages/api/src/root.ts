/** The API: composition only. Each module owns its procedures. */
import { healthProcedure } from './modules/health/health.router';
import { userRouter } from './modules/user/user.router';
import { createCallerFactory, router } from './trpc';

export const appRouter = router({
  health: healthProcedure,
  user: userRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
