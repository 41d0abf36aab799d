/**
 * The app's one API client and session, wired to Taro: Taro.request, Taro storage, wx.login, and
 * the per-environment API base. Pages import `api` and call procedures with full types, and read
 * and change the signed-in user's profile through `currentUser`.
 */
import type { UploadResult } from '@app/shared';
import Taro from '@tarojs/taro';
import { taroSessionStore } from '../auth/taro-session-store';
import { getLoginCode } from '../auth/wechat-codes';
import { currentGrayChannel } from '../platform/gray-channel';
import { runMode } from '../platform/run-mode';
import { createApi } from './create-api';
import { CurrentUserStore } from './current-user';
import { uploadImage } from './upload';

const baseUrl = () => runMode.apiBaseUrl;

const created = createApi({
  baseUrl,
  request: (options) => Taro.request(options),
  sessionStore: taroSessionStore,
  getLoginCode,
  grayChannel: currentGrayChannel,
});

export const api = created.client;
export const session = created.session;

export const currentUser = new CurrentUserStore(
  {
    me: (signal) => api.user.me.query(undefined, { signal }),
    updateProfile: (input) => api.user.updateProfile.mutate(input),
    bindPhone: (input) => api.user.bindPhone.mutate(input),
  },
  session,
);

/** Uploads a local image (chooseAvatar's or chooseImage's temp path) for the signed-in user. */
export function uploadUserImage(filePath: string): Promise<UploadResult> {
  return uploadImage(
    { baseUrl, upload: (options) => Taro.uploadFile(options), limiter: created.limiter, headers: created.headers, session },
    filePath,
  );
}
