/**
 * The size check of the test command: the weapp main package of the production build (turbo runs
 * build:weapp:check before these tests) stays within its budget. Sizes are read from dist itself.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SourceMapGenerator, type RawSourceMap } from 'source-map-js';
import { describe, expect, it } from 'vitest';
import { readJson } from '../config/files';
import { MAIN_PACKAGE_BUDGET_BYTES } from '../config/size-budget';
import { attributeBytes, formatSizeReport, libraryOf, measurePackage, type SizeReport } from '../config/size-report';
import { checkBuildDir, checkBuildSizeReport, requireCheckBuild } from './support/check-build';

describe('weapp main package', () => {
  it('is the production build, and stays within its budget', () => {
    requireCheckBuild(checkBuildSizeReport);
    const recorded = readJson<SizeReport>(checkBuildSizeReport);
    const measured = measurePackage(checkBuildDir);
    // Something wrote into the folder after the build (its report would be stale).
    expect(measured.mainPackageBytes, 'dist/weapp-check changed since the build: run `npm run build:weapp:check`').toBe(
      recorded.mainPackageBytes,
    );
    expect(
      measured.files.some(({ file }) => file.endsWith('.map')),
      'source maps must not ship',
    ).toBe(false);

    const summary = formatSizeReport({ ...measured, libraries: recorded.libraries }, MAIN_PACKAGE_BUDGET_BYTES);
    expect(measured.mainPackageBytes, `over budget:\n${summary}`).toBeLessThanOrEqual(MAIN_PACKAGE_BUDGET_BYTES);
    // Testers' tools and the shop stay out of the main package: subpackages, loaded when opened.
    for (const root of ['debug/', 'shop/']) {
      expect(measured.subpackageBytes[root], root).toBeGreaterThan(0);
      expect(
        measured.files.some(({ file }) => file.startsWith(root)),
        root,
      ).toBe(false);
    }
    // The shop's code too, the modules it shares with no main-package page included (Taro moves
    // them into shop/sub-vendors.js): none of its components or pages is in the main package.
    const mainCode = measured.files
      .filter(({ file }) => file.endsWith('.js'))
      .map(({ file }) => readFileSync(path.join(checkBuildDir, file), 'utf8'))
      .join('\n');
    for (const shopOnly of ['product-card', 'list-footer', 'order-card', 'stepper__button'])
      expect(mainCode, shopOnly).not.toContain(shopOnly);
  });

  it('carries no server code: the client is typed by AppRouter alone', () => {
    const code = measurePackage(checkBuildDir)
      .files.filter(({ file }) => file.endsWith('.js'))
      .map(({ file }) => readFileSync(path.join(checkBuildDir, file), 'utf8'));
    for (const serverOnly of ['kysely', 'mysql2', 'fastify', 'jose', 'ioredis', 'session_key_ciphertext']) {
      expect(
        code.some((text) => text.includes(serverOnly)),
        serverOnly,
      ).toBe(false);
    }
    const recorded = readJson<SizeReport>(checkBuildSizeReport);
    expect(recorded.libraries.map(({ library }) => library)).not.toContain('@app/api');
  });
});

describe('size report', () => {
  it('names the package a module comes from', () => {
    expect(libraryOf('/repo/node_modules/@tarojs/runtime/dist/index.js')).toBe('@tarojs/runtime');
    expect(libraryOf('/repo/node_modules/react-reconciler/cjs/x.js')).toBe('react-reconciler');
    expect(libraryOf('/repo/node_modules/a/node_modules/zod/v4/core/core.js')).toBe('zod');
    expect(libraryOf('/repo/packages/shared/src/env.ts')).toBe('@app/shared');
    expect(libraryOf('/repo/apps/miniprogram/src/api/taro-link.ts')).toBe('app (src)');
    expect(libraryOf('webpack/bootstrap')).toBe('(webpack runtime)');
  });

  it('charges every byte of a minified file to the source its mapping points at', () => {
    const code = 'aaa;bbbb;cc\nddd';
    const map = new SourceMapGenerator({ file: 'out.js' });
    const at = (line: number, column: number, source: string) =>
      map.addMapping({ generated: { line, column }, original: { line: 1, column: 0 }, source });
    at(1, 0, '/r/node_modules/react/index.js');
    at(1, 4, '/r/node_modules/zod/index.js');
    at(1, 9, '/r/src/app.tsx');
    at(2, 1, '/r/node_modules/react/index.js');
    const totals = new Map<string, number>();
    attributeBytes(code, JSON.parse(map.toString()) as RawSourceMap, totals);

    expect(Object.fromEntries(totals)).toEqual({ react: 4 + 2, zod: 5, 'app (src)': 3 + 1 });
    expect([...totals.values()].reduce((a, b) => a + b, 0)).toBe(Buffer.byteLength(code));
  });
});
