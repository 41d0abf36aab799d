/**
 * The oldest WeChat base library (基础库) the app runs on, and how versions compare.
 * Kept free of Taro so that tests can import it.
 */

/**
 * 2.21.2: the avatar (`<Button openType="chooseAvatar">`) and the phone number (getPhoneNumber's
 * one-time code) need it. project.config.json's libVersion is the same version, so DevTools runs
 * the app on it by default; a test keeps the two equal.
 */
export const MIN_BASE_LIBRARY_VERSION = '2.21.2';

/**
 * Compares dotted versions part by part, as numbers ('2.9.0' is older than '2.21.2'): negative
 * when `a` is older, 0 when equal, positive when newer. A missing or non-numeric part counts as 0.
 */
export function compareVersions(a: string, b: string): number {
  const partsA = a.split('.');
  const partsB = b.split('.');
  for (let i = 0; i < Math.max(partsA.length, partsB.length); i += 1) {
    const difference = (Number.parseInt(partsA[i] ?? '', 10) || 0) - (Number.parseInt(partsB[i] ?? '', 10) || 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

export function isBaseLibraryTooOld(sdkVersion: string, minimum: string = MIN_BASE_LIBRARY_VERSION): boolean {
  return compareVersions(sdkVersion, minimum) < 0;
}
