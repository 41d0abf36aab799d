/**
 * Taro build config for both targets: `weapp` (dist/weapp, opened in WeChat DevTools) and `h5`
 * (dist/h5, served for the end-to-end tests).
 *
 * Per-environment API domains come from env files (`.env.<mode>`, `.env.<mode>.local`); they are
 * validated here with the shared schema, so a bad value stops the build with the variable's name,
 * and a production weapp build stops on any domain WeChat would refuse (see check-domains.ts).
 */
import { defineConfig } from '@tarojs/cli';
import path from 'node:path';
import { syncPrivateProjectConfig } from './app-id';
import { buildOutputRoot } from './build-output';
import { domainProblems, loadBuildEnv } from './build-env';
import { MAIN_PACKAGE_BUDGET_BYTES } from './size-budget';
import { isTranspiledDependency, TRANSPILED_DEPENDENCIES } from './syntax-floor';
import { SizeReportPlugin } from './size-report';

const appRoot = path.resolve(__dirname, '..');

type Chain = {
  resolve: { modules: { values(): string[]; add(value: string): unknown } };
  plugin(name: string): { use(plugin: unknown, args: unknown[]): unknown; tap(f: (args: unknown[]) => unknown[]): unknown };
  plugins: { has(name: string): boolean };
};

/** npm may nest Taro packages under apps/miniprogram/node_modules (peer conflicts): look there too. */
function resolveWorkspaceModules(chain: Chain) {
  if (chain.resolve.modules.values().length === 0) chain.resolve.modules.add('node_modules');
  chain.resolve.modules.add(path.join(appRoot, 'node_modules'));
}

/** Outside a terminal (CI, turbo), a progress bar only floods the log: keep the plain reporter. */
function quietProgress(chain: Chain) {
  if (process.stdout.isTTY || !chain.plugins.has('webpackbar')) return;
  chain.plugin('webpackbar').tap(([options]) => {
    const { reporters = [] } = options as { reporters?: unknown[] };
    return [{ ...(options as object), reporters: reporters.filter((reporter) => reporter !== 'fancy') }];
  });
}

/**
 * Compiled by Babel with the app's own sources: packages/shared (TypeScript source, per platform in
 * Taro) and the dependencies published above the phones' syntax floor (syntax-floor.ts).
 */
const compile = { include: [path.resolve(appRoot, '../../packages/shared'), isTranspiledDependency] };

export default defineConfig<'webpack5'>((_merge, { mode }) => {
  const production = process.env.NODE_ENV === 'production';
  const target = process.env.TARO_ENV;
  const build = loadBuildEnv(appRoot, mode, production);

  if (target === 'weapp') syncPrivateProjectConfig(appRoot, build.appId);
  // Builds of other modes (e2e, check, staging) go beside the standard ones, never over them.
  const outputRoot = buildOutputRoot(target, mode);

  // WeChat refuses these domains at run time; better to hear it now than from a reviewer.
  if (target === 'weapp' && production) {
    const problems = domainProblems(build.env, mode);
    if (problems.length > 0) {
      throw new Error(
        [
          `Production build stopped: domains WeChat would refuse (npm run check:domains -- --mode ${mode}).`,
          `Put your registered domains in .env.${mode}.local (ignored by git):`,
          ...problems,
        ].join('\n'),
      );
    }
  }

  return {
    projectName: 'wechat-miniprogram-foundation',
    designWidth: 750,
    deviceRatio: { 640: 2.34 / 2, 750: 1, 375: 2, 828: 1.81 / 2 },
    sourceRoot: 'src',
    outputRoot,
    // WeChat reads which pages its search may index from the package root (app.config.ts's
    // sitemapLocation); Taro copies no JSON but its own, so this one is copied by name.
    copy: target === 'weapp' ? { patterns: [{ from: 'src/sitemap.json', to: `${outputRoot}/sitemap.json` }], options: {} } : undefined,
    framework: 'react',
    compiler: {
      type: 'webpack5',
      // Prebundled (esbuild) code skips webpack's loaders and ProvidePlugin: tRPC must go through
      // webpack to get the AbortController stand-in below, and the dependencies above the syntax
      // floor through Babel, in development builds too (a dev build previews on phones).
      prebundle: { exclude: ['@trpc/client', '@trpc/server', ...TRANSPILED_DEPENDENCIES] },
    },
    // Every TARO_APP_* the app reads, defined even when empty, plus the build's own facts.
    env: build.defines,
    cache: { enable: false },
    logger: { quiet: !process.stdout.isTTY, stats: false },
    mini: {
      compile,
      postcss: { pxtransform: { enable: true, config: {} } },
      // Maps go in .js.map files beside the code, which WeChat leaves out of a package's size.
      // Development: DevTools shows the original sources (Taro's default type for watch builds).
      // Production: the maps feed the size report (which libraries weigh what) and are then dropped;
      // "cheap" (no loader maps): bytes are charged to the module that produced them, which knows
      // its package; library maps would point into the libraries' own src/ trees instead.
      enableSourceMap: true,
      sourceMapType: production ? 'hidden-source-map' : 'cheap-module-source-map',
      webpackChain(chain, webpack) {
        resolveWorkspaceModules(chain);
        quietProgress(chain);
        // No AbortController in WeChat's JS engine; tRPC's client needs one.
        chain
          .plugin('abort-controller')
          .use(webpack.ProvidePlugin, [{ AbortController: [path.join(appRoot, 'src/platform/abort-controller.ts'), 'AbortController'] }]);
        if (production) {
          // Real paths in the maps, so the report can tell the libraries apart.
          (chain as unknown as { output: { devtoolModuleFilenameTemplate(t: string): void } }).output.devtoolModuleFilenameTemplate(
            '[absolute-resource-path]',
          );
          chain
            .plugin('size-report')
            .use(SizeReportPlugin, [{ outputDir: path.join(appRoot, outputRoot), budgetBytes: MAIN_PACKAGE_BUDGET_BYTES }]);
        }
      },
    },
    h5: {
      compile,
      publicPath: '/',
      staticDirectory: 'static',
      router: { mode: 'hash' },
      webpackChain(chain) {
        resolveWorkspaceModules(chain);
        quietProgress(chain);
      },
    },
  };
});
