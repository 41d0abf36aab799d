/**
 * A tester's gray channel (chosen on the 环境 page), sent with every request so the server can
 * route and log it. Never sent by a release build, whatever storage holds.
 */
import { grayChannelSchema } from '@app/shared';
import { readStorage, removeStorage, writeStorage } from './storage';
import { runMode } from './run-mode';

const KEY = 'debug.grayChannel';

export function currentGrayChannel(): string | null {
  if (!runMode.isTesting) return null;
  const parsed = grayChannelSchema.safeParse(readStorage(KEY));
  return parsed.success ? parsed.data : null;
}

/** Sets (or with null, clears) the channel; returns the zh-CN problem when the name is not valid. */
export function setGrayChannel(channel: string | null): string | null {
  if (channel === null || channel.trim() === '') {
    removeStorage(KEY);
    return null;
  }
  const parsed = grayChannelSchema.safeParse(channel.trim());
  if (!parsed.success) return parsed.error.issues[0]?.message ?? '灰度通道无效';
  writeStorage(KEY, parsed.data);
  return null;
}
