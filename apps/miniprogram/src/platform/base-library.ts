/**
 * At launch in WeChat: a base library older than the app needs (base-library-version.ts) gets
 * WeChat's usual "upgrade WeChat" modal, rather than avatar and phone buttons that do nothing.
 */
import Taro from '@tarojs/taro';
import { isBaseLibraryTooOld } from './base-library-version';

const UPGRADE_WECHAT_MESSAGE = '当前微信版本过低，无法使用该功能，请升级到最新微信版本后重试。';

/** The running base library's version: getAppBaseInfo from 2.20.1, getSystemInfoSync before it. */
function baseLibraryVersion(): string | undefined {
  try {
    return (Taro.canIUse('getAppBaseInfo') ? Taro.getAppBaseInfo() : Taro.getSystemInfoSync()).SDKVersion;
  } catch {
    return undefined;
  }
}

function isBaseLibrarySupported(): boolean {
  const version = baseLibraryVersion();
  // No version to compare: ask about the newest feature the app needs instead.
  if (!version) return Taro.canIUse('button.open-type.chooseAvatar');
  return !isBaseLibraryTooOld(version);
}

/** WeChat only: H5 has neither base library nor SDKVersion. */
export function warnIfBaseLibraryTooOld(): void {
  if (isBaseLibrarySupported()) return;
  void Taro.showModal({ title: '提示', content: UPGRADE_WECHAT_MESSAGE, showCancel: false });
}
