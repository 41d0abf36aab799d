import { loginInputSchema, loginOutputSchema, authTokensSchema, refreshInputSchema, type AppErrorCode } from '@app/shared';
import * as z from 'zod/mini';
import { authedProcedure, publicProcedure, router } from '../../trpc';
import { login, logout, refresh } from './auth.service';

/** What a sign-in may answer besides bad input: its rate limits and WeChat's refusals (wechat/errors.ts). */
const LOGIN_ERRORS: AppErrorCode[] = [
  'RATE_LIMITED',
  'WECHAT_CODE_INVALID',
  'WECHAT_CODE_USED',
  'WECHAT_RATE_LIMITED',
  'WECHAT_USER_BLOCKED',
  'WECHAT_BUSY',
  'WECHAT_UNAVAILABLE',
  'WECHAT_TIMEOUT',
];
const REFRESH_ERRORS: AppErrorCode[] = ['RATE_LIMITED', 'AUTH_REFRESH_INVALID', 'AUTH_REFRESH_REUSED', 'AUTH_SESSION_REVOKED'];

export const authRouter = router({
  login: publicProcedure
    .meta({
      openapi: { method: 'POST', path: '/auth/login', tags: ['auth'], summary: 'Sign in with a wx.login code', errors: LOGIN_ERRORS },
    })
    .input(loginInputSchema)
    .output(loginOutputSchema)
    .mutation(async ({ ctx, input }) => {
      // Before WeChat is asked: a flood from one address, or one code tried again and again.
      await ctx.rateLimits.consume('loginPerIp', ctx.ip);
      await ctx.rateLimits.consume('loginPerCode', input.code);
      return login(ctx, input.code);
    }),

  refresh: publicProcedure
    .meta({
      openapi: { method: 'POST', path: '/auth/refresh', tags: ['auth'], summary: 'Rotate the refresh token', errors: REFRESH_ERRORS },
    })
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
