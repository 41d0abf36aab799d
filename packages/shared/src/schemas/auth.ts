import * as z from 'zod/mini';
import '../zod';
import { userSchema } from './user';

/** A `wx.login` code: 32 characters today; bounded loosely so a format change does not lock users out. */
export const loginCodeSchema = z
  .string()
  .check(z.trim(), z.minLength(1, { message: '缺少登录凭证' }), z.maxLength(128, { message: '登录凭证格式错误' }));

export const loginInputSchema = z.object({ code: loginCodeSchema });
export type LoginInput = z.infer<typeof loginInputSchema>;

export const authTokensSchema = z.object({
  accessToken: z.string(),
  accessTokenExpiresAt: z.date(),
  refreshToken: z.string(),
  refreshTokenExpiresAt: z.date(),
});
export type AuthTokens = z.infer<typeof authTokensSchema>;

export const loginOutputSchema = z.extend(authTokensSchema, {
  user: userSchema,
  isNewUser: z.boolean(),
});
export type LoginOutput = z.infer<typeof loginOutputSchema>;

export const refreshInputSchema = z.object({
  refreshToken: z.string().check(z.minLength(1, { message: '缺少刷新凭证' }), z.maxLength(256, { message: '刷新凭证格式错误' })),
});
export type RefreshInput = z.infer<typeof refreshInputSchema>;

/** The single-use code from `<Button open-type="getPhoneNumber">`. */
export const bindPhoneInputSchema = z.object({ code: loginCodeSchema });
export type BindPhoneInput = z.infer<typeof bindPhoneInputSchema>;
