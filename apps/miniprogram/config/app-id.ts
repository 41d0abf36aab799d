/**
 * The appid WeChat DevTools opens the project with: TARO_APP_ID when set, else the tourist appid
 * of the committed project.config.json.
 *
 * Two files say it, and they must agree. Taro writes `process.env.TARO_APP_ID || <committed
 * appid>` into dist's project.config.json; DevTools opens apps/miniprogram, whose committed
 * project.config.json it overrides with project.private.config.json (ignored by git). So the
 * private file carries TARO_APP_ID when it is set, and no appid when it is not: a stale one there
 * would open DevTools as an app that dist no longer is.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readJson } from './files';

/** WeChat's appids: wx and 16 lowercase hexadecimal digits (开发管理 → 开发设置 → AppID). */
const APP_ID = /^wx[0-9a-f]{16}$/;

export type AppIdResult = { ok: true; appId: string | null } | { ok: false; message: string };

/** TARO_APP_ID's value checked: an appid, null when unset or empty, or what is wrong with it. */
export function readAppId(value: string | undefined): AppIdResult {
  if (value === undefined || value === '') return { ok: true, appId: null };
  if (APP_ID.test(value)) return { ok: true, appId: value };
  return {
    ok: false,
    message:
      `"${value}" is not a WeChat appid, which is "wx" and 16 lowercase hexadecimal digits such as wx0123456789abcdef ` +
      '(mp.weixin.qq.com → 开发管理 → 开发设置). Fix it where it is set (an .env file or the environment), or unset it ' +
      'to open DevTools with the tourist appid.',
  };
}

export const PRIVATE_PROJECT_CONFIG = 'project.private.config.json';

/**
 * Makes project.private.config.json say `appId`, or say no appid at all when it is null (the file
 * is removed when nothing else is left in it). DevTools' own settings in the file are kept.
 */
export function syncPrivateProjectConfig(appRoot: string, appId: string | null): void {
  const file = path.join(appRoot, PRIVATE_PROJECT_CONFIG);
  const current = existsSync(file) ? readJson<Record<string, unknown>>(file) : {};
  if (current.appid === (appId ?? undefined)) return;
  const { appid: _stale, ...rest } = current;
  const next = appId ? { ...current, appid: appId } : rest;
  if (Object.keys(next).length === 0) rmSync(file, { force: true });
  else writeFileSync(file, `${JSON.stringify(next, null, 2)}\n`);
}
