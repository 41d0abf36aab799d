// One flat config for the monorepo; each package runs `eslint src test` from its own folder.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.turbo/**', '**/coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-control-regex': 'off',
    },
  },
  {
    // The mini-program is typed by the server's router, never bundled with it.
    files: ['apps/miniprogram/src/**/*.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@app/api', '@app/api/*', '@app/server', '@app/server/*'],
              allowTypeImports: true,
              message: 'The mini-program imports only types from the server: import type { AppRouter } from "@app/api".',
            },
            { group: ['node:*'], message: 'Node modules do not exist in the mini-program.' },
          ],
        },
      ],
    },
  },
);
