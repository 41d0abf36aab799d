/**
 * The client config, from Taro env files (`.env.<mode>`; only `TARO_APP_*` reach the bundle),
 * validated with the shared schema. config/index.ts validated the same variables at build time,
 * so a broken config never ships; this only turns them into a typed object.
 * This is the one module of src/ that reads `process.env`: everything else reads the constants here.
 */
import { parseClientEnv, type ClientEnv } from '@app/shared';

function loadClientEnv(): ClientEnv {
  const result = parseClientEnv(
    {
      // Spelled out one by one: Taro replaces each `process.env.TARO_APP_*` with its value.
      TARO_APP_API_DEVELOP: process.env.TARO_APP_API_DEVELOP,
      TARO_APP_API_TRIAL: process.env.TARO_APP_API_TRIAL,
      TARO_APP_API_RELEASE: process.env.TARO_APP_API_RELEASE,
      TARO_APP_H5_ENV_VERSION: process.env.TARO_APP_H5_ENV_VERSION,
      TARO_APP_REGISTERED_PORTS: process.env.TARO_APP_REGISTERED_PORTS,
      TARO_APP_WECHAT_MOCK_URL: process.env.TARO_APP_WECHAT_MOCK_URL,
      TARO_APP_PAID_MESSAGE_TEMPLATE_ID: process.env.TARO_APP_PAID_MESSAGE_TEMPLATE_ID,
    },
    {
      mode: process.env.BUILD_MODE ?? 'development',
      production: process.env.NODE_ENV === 'production',
      version: process.env.BUILD_VERSION ?? '0.0.0-dev',
    },
  );
  if (!result.ok) throw new Error(`客户端配置错误: ${result.problems.map((p) => `${p.variable} ${p.message}`).join('; ')}`);
  return result.env;
}

export const clientEnv = loadClientEnv();

/** The Taro build target (`weapp` or `h5`); Taro writes the value in at build time. */
export const taroEnv = process.env.TARO_ENV;

/** H5 (dev and e2e) has no wx.login, getAccountInfoSync, chooseAvatar or getPhoneNumber. */
export const isH5 = taroEnv === 'h5';
