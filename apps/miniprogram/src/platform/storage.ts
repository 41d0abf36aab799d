/** Taro storage with failures swallowed: a full or broken storage must not stop the app. */
import Taro from '@tarojs/taro';

export function readStorage(key: string): unknown {
  try {
    const value: unknown = Taro.getStorageSync(key);
    return value === '' ? undefined : value;
  } catch {
    return undefined;
  }
}

export function writeStorage(key: string, value: unknown): void {
  try {
    Taro.setStorageSync(key, value);
  } catch {
    // Storage full or unavailable: the value lives only until the app is closed.
  }
}

export function removeStorage(key: string): void {
  try {
    Taro.removeStorageSync(key);
  } catch {
    // Nothing to do.
  }
}
