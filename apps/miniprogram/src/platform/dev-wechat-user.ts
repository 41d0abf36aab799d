/**
 * H5 only: which WeChat user this browser plays. The WeChat mock's dev endpoints act for a named
 * test user (login codes, subscriptions), so every stand-in for a WeChat API on H5 names the same
 * one: from the URL (?wxUser=alice), else kept in storage, else a new random one.
 */
import { readStorage, writeStorage } from './storage';

const DEV_USER_KEY = 'dev.wechatUser';

export function devWeChatUser(): string {
  const search = typeof location === 'object' ? `${location.search}&${location.hash.split('?')[1] ?? ''}` : '';
  const fromUrl = /[?&]wxUser=([A-Za-z0-9_-]{1,64})/.exec(search)?.[1];
  if (fromUrl) {
    writeStorage(DEV_USER_KEY, fromUrl);
    return fromUrl;
  }
  const stored = readStorage(DEV_USER_KEY);
  if (typeof stored === 'string' && stored) return stored;
  const generated = `h5-${Math.random().toString(36).slice(2, 10)}`;
  writeStorage(DEV_USER_KEY, generated);
  return generated;
}
