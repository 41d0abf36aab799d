import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { enablePortableCompileCache } from '../src/enable-compile-cache';

type Enable = NonNullable<Parameters<typeof enablePortableCompileCache>[1]>;
const ENABLED = { status: 1, directory: '/app/dist/.compile-cache' };

/** Node 22's enableCompileCache, as Node 22.23.5 answers an options object. */
const node22 = vi.fn<Enable>((options) => {
  if (typeof options !== 'string') throw Object.assign(new TypeError('cacheDir should be a string'), { code: 'ERR_INVALID_ARG_TYPE' });
  return ENABLED;
});

describe('enablePortableCompileCache (the production entry)', () => {
  it('asks for a portable cache in the directory', () => {
    const enable = vi.fn<Enable>(() => ENABLED);
    expect(enablePortableCompileCache('/app/dist/.compile-cache', enable)).toBe(ENABLED);
    expect(enable.mock.calls).toEqual([[{ directory: '/app/dist/.compile-cache', portable: true }]]);
  });

  it('gives a Node.js that takes only the directory (22) the directory alone', () => {
    expect(enablePortableCompileCache('/app/dist/.compile-cache', node22)).toBe(ENABLED);
    expect(node22.mock.calls.at(-1)).toEqual(['/app/dist/.compile-cache']);
  });

  it('lets any other failure through', () => {
    const enable = vi.fn<Enable>(() => {
      throw new Error('disk gone');
    });
    expect(() => enablePortableCompileCache('/app/dist/.compile-cache', enable)).toThrow('disk gone');
    expect(enable).toHaveBeenCalledTimes(1);
  });

  it('enables the cache in that directory on this Node.js', () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'compile-cache-'));
    const source = fileURLToPath(new URL('../src/enable-compile-cache.ts', import.meta.url));
    try {
      // In a process of its own (enabling the cache here would change how this suite loads
      // modules), without the variables that would enable or disable it before the call.
      const run = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          '--input-type=module',
          '-e',
          `import { enablePortableCompileCache } from ${JSON.stringify(source)};` +
            `console.log(JSON.stringify(enablePortableCompileCache(${JSON.stringify(directory)})));`,
        ],
        { encoding: 'utf8', env: {}, cwd: fileURLToPath(new URL('..', import.meta.url)) },
      );
      expect(run.stderr).toBe('');
      const result = JSON.parse(run.stdout) as { status: number; directory: string };
      expect(result.status).toBe(1); // module.constants.compileCacheStatus.ENABLED
      expect(path.resolve(result.directory).startsWith(directory)).toBe(true);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
