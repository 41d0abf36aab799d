/**
 * The code upload key (代码上传密钥) that preview and upload sign with: a PEM private key the admin
 * console hands out once (开发管理 → 开发设置 → 小程序代码上传 → 生成上传密钥), as a file named
 * private.<appid>.key. Its path comes from MP_PRIVATE_KEY_PATH; the key never belongs in the
 * repository.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export const UPLOAD_KEY_VARIABLE = 'MP_PRIVATE_KEY_PATH';

export const UPLOAD_KEY_STEPS = '开发管理 → 开发设置 → 小程序代码上传 → 生成上传密钥';
/** Where WeChat lists the addresses allowed to preview and upload with the key. */
export const IP_ALLOW_LIST_STEPS = '开发管理 → 开发设置 → 小程序代码上传 → IP白名单';

/** MP_PRIVATE_KEY_PATH as the environment sets it. */
export function uploadKeyPathFromEnvironment(): string | undefined {
  return process.env[UPLOAD_KEY_VARIABLE];
}

/** The name the admin console gives the key file, which carries the appid it signs for. */
const KEY_FILE_NAME = /^private\.(wx[0-9a-f]{16})\.key$/;

export type UploadKeyResult = { ok: true; path: string } | { ok: false; message: string };

/**
 * The upload key file at `value` (MP_PRIVATE_KEY_PATH, resolved from `cwd`), checked: it exists,
 * it is a PEM private key, and its file name, when it is the admin console's, names `appId`.
 */
export function readUploadKey(value: string | undefined, options: { cwd: string; appId?: string | null }): UploadKeyResult {
  const fix = `download it from mp.weixin.qq.com (${UPLOAD_KEY_STEPS}) and set ${UPLOAD_KEY_VARIABLE} to its path`;
  if (value === undefined || value.trim() === '') {
    return { ok: false, message: `${UPLOAD_KEY_VARIABLE} is not set: preview and upload sign with the code upload key; ${fix}.` };
  }
  const file = path.resolve(options.cwd, value);
  let isFile = false;
  try {
    isFile = statSync(file).isFile();
  } catch {
    // Reported below.
  }
  if (!isFile) {
    const where = path.isAbsolute(value) ? '' : ` (${file}: a relative path starts from apps/miniprogram, where npm runs the script)`;
    return { ok: false, message: `${UPLOAD_KEY_VARIABLE}=${value}: no such file${where}; ${fix}.` };
  }
  try {
    const pem = readFileSync(file, 'utf8');
    if (!pem.includes('-----BEGIN')) throw new Error('no PEM header');
    createPrivateKey(pem);
  } catch {
    return {
      ok: false,
      message: `${UPLOAD_KEY_VARIABLE}=${value} is not a PEM private key (the file the admin console downloads starts with "-----BEGIN RSA PRIVATE KEY-----"); ${fix}.`,
    };
  }
  const keyAppId = KEY_FILE_NAME.exec(path.basename(file))?.[1];
  if (keyAppId && options.appId && keyAppId !== options.appId) {
    return {
      ok: false,
      message: `${UPLOAD_KEY_VARIABLE}=${value} is the upload key of ${keyAppId}, but TARO_APP_ID is ${options.appId}: point ${UPLOAD_KEY_VARIABLE} at private.${options.appId}.key.`,
    };
  }
  return { ok: true, path: file };
}
