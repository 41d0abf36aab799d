/**
 * The oldest base library the app runs on: how versions compare, and the one version the runtime
 * check and DevTools' project settings share.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJson } from '../config/files';
import { compareVersions, isBaseLibraryTooOld, MIN_BASE_LIBRARY_VERSION } from '../src/platform/base-library-version';

describe('base library versions', () => {
  it('compare part by part as numbers, not as text', () => {
    expect(compareVersions('2.21.2', '2.21.2')).toBe(0);
    expect(compareVersions('2.9.0', '2.21.2')).toBeLessThan(0);
    expect(compareVersions('2.21.10', '2.21.2')).toBeGreaterThan(0);
    expect(compareVersions('3.0.0', '2.99.99')).toBeGreaterThan(0);
    expect(compareVersions('2.21', '2.21.0')).toBe(0);
    expect(compareVersions('2.21', '2.21.1')).toBeLessThan(0);
  });

  it('are too old below 2.21.2 (chooseAvatar, the phone-number code)', () => {
    expect(MIN_BASE_LIBRARY_VERSION).toBe('2.21.2');
    for (const old of ['2.21.1', '2.20.3', '2.9.4', '1.9.98']) expect(isBaseLibraryTooOld(old), old).toBe(true);
    for (const supported of ['2.21.2', '2.21.3', '2.32.0', '3.8.1']) expect(isBaseLibraryTooOld(supported), supported).toBe(false);
  });

  it("are the same minimum in the runtime check and in project.config.json's libVersion", () => {
    const projectConfig = readJson<{ libVersion?: string }>(path.resolve(__dirname, '../project.config.json'));
    expect(projectConfig.libVersion).toBe(MIN_BASE_LIBRARY_VERSION);
  });
});
