// One flat config for the monorepo; each package runs `eslint <its folders>` from its own folder.
// TypeScript is linted with type information (typescript-eslint's recommendedTypeChecked). The
// rules below also keep the architecture honest: which package may import which, the layers
// inside packages/api and the mini-program, and where the environment may be read.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** `@typescript-eslint/no-restricted-imports` for these files: each entry is [import patterns, why]. */
function restrictImports(files, rules, extra = {}) {
  return {
    files,
    ...extra,
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: rules.map(([group, message, allowTypeImports = false]) => ({ group, message, allowTypeImports })) },
      ],
    },
  };
}

// ---- Package boundaries ----------------------------------------------------------------------
const NODE = [['node:*'], 'Node modules do not exist in WeChat or the browser.'];
const INDEPENDENT = [['@app/*'], 'This package knows no application code: it is shared by, not part of, the app.'];
/** What no part of packages/api may import: an HTTP host, or a dev or test package. */
const NO_HOST_NOR_DEV = [
  '@app/server',
  '@app/server/*',
  '@app/trpc-host',
  '@app/wechat-mock',
  '@app/test-support',
  'fastify',
  '@fastify/*',
];

// ---- The mini-program's layers (apps/miniprogram/README.md): each imports only from below -----
const LAYERS = 'Layers point one way: platform < errors < auth < api < ui < components < pages, debug, shop (apps/miniprogram/README.md).';
const below = (prefix, forbidden) => [forbidden.map((folder) => `${prefix}${folder}/*`), LAYERS];
const miniProgramBase = [
  [
    ['@app/api', '@app/api/*', '@app/server', '@app/server/*'],
    'The mini-program imports only types from the server: import type { AppRouter } from "@app/api".',
    true,
  ],
  [['@app/trpc-host', '@app/wechat-mock', '@app/test-support'], 'Server and test code never reaches the client bundle.'],
  NODE,
];
const miniProgramLayers = [
  ['config.ts', [[['./*'], 'config.ts is at the bottom: it imports nothing of the app.']]],
  ['errors', [[['../*'], 'The error model imports nothing of the app.']]],
  ['platform', [below('../', ['errors', 'auth', 'api', 'ui', 'components', 'pages', 'debug', 'shop'])]],
  ['auth', [below('../', ['api', 'ui', 'components', 'pages', 'debug', 'shop'])]],
  ['api', [below('../', ['ui', 'components', 'pages', 'debug', 'shop'])]],
  ['ui', [below('../', ['auth', 'api', 'components', 'pages', 'debug', 'shop'])]],
  ['components', [below('../../', ['pages', 'debug', 'shop'])]],
  // The top: the main package's pages and the subpackages, none of which imports another.
  ['pages', [below('../../', ['debug', 'shop'])]],
  ['debug', [below('../../../', ['pages', 'shop'])]],
  ['shop', [below('../../../', ['pages', 'debug'])]],
];
const miniProgramFiles = (layer) => [
  layer.endsWith('.ts') ? `apps/miniprogram/src/${layer}` : `apps/miniprogram/src/${layer}/**/*.{ts,tsx}`,
];

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/.turbo/**',
      '**/coverage/**',
      '**/.test-results/**',
      'e2e/playwright-report/**',
      'e2e/test-results/**',
      'bench/out/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // The environment is read by the configuration modules only (below), parsed and validated there.
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read the environment in a config module (config.ts) and pass typed values on.' },
      ],
    },
  },
  {
    // Build scripts, benchmarks and tool configs in plain JavaScript: Node globals, no type information.
    files: ['**/*.{js,mjs,cjs}'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
  {
    // CommonJS scripts (they run before npm ci, on any Node.js): require is how they import.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Product code states what it knows instead of asserting it.
    files: ['apps/*/src/**/*.{ts,tsx}', 'packages/*/src/**/*.ts', 'apps/*/config/**/*.ts', 'apps/*/scripts/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'error' },
  },
  {
    // Tests: a failed assumption is a failed test, so `!` and loose typing of fixtures are fine there.
    files: ['**/test/**/*.ts', 'e2e/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/unbound-method': 'off' },
  },
  {
    // The configuration modules: the only places that read process.env.
    files: [
      'apps/server/src/config.ts',
      'apps/server/scripts/**',
      'apps/miniprogram/src/config.ts',
      'apps/miniprogram/config/**',
      'packages/wechat-mock/src/config.ts',
      'packages/test-support/src/test-services.ts',
      'e2e/fixtures/stack-config.ts',
      'bench/**',
      'scripts/**',
      '**/build/**',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },

  // ---- Import boundaries, package by package ----
  restrictImports(
    ['packages/shared/src/**'],
    [
      [['@app/*'], 'The contracts depend on nothing of the app: both sides import them.'],
      NODE,
      [
        ['fastify', 'kysely', 'pino', 'mysql2', 'ioredis', 'jose', '@trpc/server', '@trpc/server/*'],
        'Browser-safe contracts only: this package is in the mini-program bundle.',
      ],
    ],
  ),
  restrictImports(['packages/trpc-host/src/**', 'packages/wechat-mock/src/**', 'packages/test-support/src/**'], [INDEPENDENT]),
  restrictImports(
    ['packages/api/src/**'],
    [
      [
        ['@app/server', '@app/server/*', '@app/trpc-host', '@app/miniprogram', '@app/miniprogram/*'],
        'The API knows no HTTP host and no client.',
      ],
      [['@app/wechat-mock', '@app/test-support'], 'Dev and test packages never reach production code.'],
      [['fastify', '@fastify/*'], 'Procedures and services are transport-agnostic; HTTP lives in apps/server.'],
    ],
    {
      ignores: [
        'packages/api/src/modules/**',
        'packages/api/src/trpc.ts',
        'packages/api/src/context.ts',
        'packages/api/src/services.ts',
        'packages/api/src/db/**',
        'packages/api/src/wechat/**',
      ],
    },
  ),
  restrictImports(
    ['packages/api/src/modules/**'],
    [
      [NO_HOST_NOR_DEV, 'Modules are transport-agnostic and production code.'],
      [
        ['../../trpc', '../../context', '../../services', '../../root'],
        'Services and repositories declare the slice of the services they need; only *.router.ts files build procedures.',
      ],
    ],
    { ignores: ['packages/api/src/modules/**/*.router.ts'] },
  ),
  restrictImports(['packages/api/src/modules/**/*.router.ts'], [[NO_HOST_NOR_DEV, 'Routers are transport-agnostic and production code.']]),
  restrictImports(
    ['packages/api/src/trpc.ts', 'packages/api/src/context.ts', 'packages/api/src/services.ts'],
    [
      [
        ['./modules/**/*.router', './root'],
        'The tRPC setup and the services sit below the routers: arrows point from routers down, never back.',
      ],
      [NO_HOST_NOR_DEV, 'Production code, transport-agnostic.'],
    ],
  ),
  restrictImports(
    ['packages/api/src/db/**', 'packages/api/src/wechat/**'],
    [
      [
        ['../modules/*', '../modules/**', '../trpc', '../context', '../services', '../root'],
        'Infrastructure (database, WeChat client) sits below the modules.',
      ],
      [NO_HOST_NOR_DEV, 'Production code, transport-agnostic.'],
    ],
    { ignores: ['packages/api/src/db/migrations/**'] },
  ),
  restrictImports(
    ['packages/api/src/db/migrations/**'],
    [
      [
        ['../*', '../../*', '../../**', '@app/*'],
        'Migrations are frozen: they import no live application code (snapshot what they need next to them).',
      ],
    ],
  ),
  restrictImports(
    ['apps/server/src/**'],
    [
      [['@app/wechat-mock', '@app/test-support'], 'Dev and test packages never reach the production bundle.'],
      [['@app/miniprogram', '@app/miniprogram/*'], 'The server knows nothing of its clients but the shared contracts.'],
    ],
  ),

  // ---- What the suites outside the apps test: built artefacts and running processes ----
  restrictImports(
    ['deploy/**'],
    [
      [
        ['@app/server', '@app/server/*', '@app/miniprogram', '@app/miniprogram/*', '@app/api/*', '@app/shared', '@app/shared/*'],
        'deploy/ tests what the build ships (the image, the SCF package) from outside, not the source.',
      ],
      [['@app/api'], 'Only the router type, for the typed client: the server under test is the shipped one.', true],
    ],
  ),
  restrictImports(
    ['e2e/tests/**', 'e2e/fixtures/**', 'e2e/faults/**'],
    [
      [
        ['@app/server', '@app/server/*', '@app/miniprogram', '@app/miniprogram/*'],
        'Journeys drive the built mini-program in Chromium and the fault suite the built server as processes: ' +
          'only e2e/integration runs the client and the server in process (e2e/README.md).',
      ],
    ],
  ),

  // ---- The mini-program: server types only, no Node, and its own layers ----
  restrictImports(['apps/miniprogram/src/**/*.{ts,tsx}'], miniProgramBase, {
    ignores: miniProgramLayers.flatMap(([layer]) => miniProgramFiles(layer)),
  }),
  ...miniProgramLayers.map(([layer, rules]) => restrictImports(miniProgramFiles(layer), [...miniProgramBase, ...rules])),
);
