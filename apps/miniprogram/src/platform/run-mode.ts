/**
 * Which backend this launch talks to. WeChat says how the app runs (develop / trial / release);
 * a production build maps `develop` (what a build under review reports) to the release backend.
 * H5 has no getAccountInfoSync: its mode comes from config.
 */
import { effectiveEnvVersion, envVersionSchema, selectApiBaseUrl, type EnvVersion } from '@app/shared';
import Taro from '@tarojs/taro';
import { clientEnv, isH5 } from '../config';

function reportedEnvVersion(): EnvVersion {
  if (isH5) return clientEnv.h5EnvVersion;
  try {
    const parsed = envVersionSchema.safeParse(Taro.getAccountInfoSync().miniProgram.envVersion);
    // An unknown answer is treated as the strictest mode.
    return parsed.success ? parsed.data : 'release';
  } catch {
    return 'release';
  }
}

const reported = reportedEnvVersion();
const effective = effectiveEnvVersion(clientEnv, reported);

export const runMode = {
  /** What WeChat (or H5 config) reports. */
  reported,
  /** What the app behaves as. */
  effective,
  apiBaseUrl: selectApiBaseUrl(clientEnv, reported),
  /** Testers' tools (the 环境 page, gray channels) exist outside release only. */
  isTesting: effective !== 'release',
} as const;
