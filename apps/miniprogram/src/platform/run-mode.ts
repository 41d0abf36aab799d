/**
 * Which backend this launch talks to. WeChat says how the app runs (develop / trial / release);
 * a production build maps `develop` (what a build under review reports) to the release backend.
 * H5 has no getAccountInfoSync: its mode comes from config.
 */
import { effectiveEnvVersion, envVersionSchema, selectApiBaseUrl, type EnvVersion } from '@app/shared';
import Taro from '@tarojs/taro';
import { clientEnv } from '../config';

function reportedEnvVersion(): EnvVersion {
  if (process.env.TARO_ENV === 'h5') return clientEnv.h5EnvVersion;
  try {
    const parsed = envVersionSchema.safeParse(Taro.getAccountInfoSync().miniProgram.envVersion);
    // An unknown answer is treated as the strictest mode.
    return parsed.success ? parsed.data : 'release';
  } catch {
    return 'release';
  }
}

const reported = reportedEnvVersion();

export const runMode = {
  /** What WeChat (or H5 config) reports. */
  reported,
  /** What the app behaves as. */
  effective: effectiveEnvVersion(clientEnv, reported),
  apiBaseUrl: selectApiBaseUrl(clientEnv, reported),
  /** Testers' tools (the 环境 page, gray channels) exist outside release only. */
  isTesting: effectiveEnvVersion(clientEnv, reported) !== 'release',
} as const;
