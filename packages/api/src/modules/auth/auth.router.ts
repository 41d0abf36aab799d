import { loginInputSchema, loginOutputSchema, authTokensSchema, refreshInputSchema } from '@app/shared';
import * as z from 'zod/mini';
import { authedProcedure, publicProcedure, router } from '../../trpc';
import { login, logout, refresh } from './auth.service';

export const authRouter = router({
  login: publicProcedure
    .input(loginInputSchema)
    .output(loginOutputSchema)
    .mutation(async ({ ctx, input }) => {
      // Before WeChat is asked: a flood from one address, or one code tried again and again.
      await ctx.rateLimits.consume('loginPerIp', ctx.ip);
      await ctx.rateLimits.consume('loginPerCode', input.code);
      return login(ctx, input.code);
    }),

  refresh: publicProcedure
    .input(refreshInputSchema)
    .output(authTokensSchema)
    .mutation(async ({ ctx, input }) => {
      await ctx.rateLimits.consume('loginPerIp', ctx.ip);
      return refresh(ctx, input.refreshToken);
    }),

  logout: authedProcedure.output(z.object({ ok: z.literal(true) })).mutation(async ({ ctx }) => {
    await logout(ctx, ctx.session);
    return { ok: true as const };
  }),
});
