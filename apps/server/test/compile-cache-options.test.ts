import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileCacheOptions } from '../src/compile-cache-options';

describe('compileCacheOptions (what the production entry hands enableCompileCache)', () => {
  it.each(['22.13.0', '22.23.5', '24.0.0', '24.11.1'])('gives Node %s the directory alone (it throws on the options object)', (version) => {
    expect(compileCacheOptions(version, '/app/dist/.compile-cache')).toBe('/app/dist/.compile-cache');
  });

  it.each(['24.12.0', '24.21.0', '25.0.0', '26.1.0'])('gives Node %s a portable cache', (version) => {
    expect(compileCacheOptions(version, '/app/dist/.compile-cache')).toEqual({ directory: '/app/dist/.compile-cache', portable: true });
  });

  it('is accepted by this Node.js, which enables the cache in that directory', () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'compile-cache-'));
    try {
      const options = compileCacheOptions(process.versions.node, directory);
      // In a process of its own: enabling the cache here would change how this suite loads modules.
      const run = spawnSync(
        process.execPath,
        [
          '-e',
          `const m = require('node:module'); const r = m.enableCompileCache(${JSON.stringify(options)}); console.log(JSON.stringify(r));`,
        ],
        // Without the variables that would enable or disable the cache before the call.
        { encoding: 'utf8', env: {} },
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
