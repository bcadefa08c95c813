// One lint configuration for the whole monorepo.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.data/**', '**/coverage/**', 'infra/**/target/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Packages are consumed through their public entry point only.
      'no-restricted-imports': ['error', { patterns: ['@tthc/*/src/*', '@tthc/*/dist/*'] }],
    },
  },
  {
    // Domain code stays free of transport and storage libraries, also when they come through a
    // workspace package: the entries below load them. The pure packages are held to the same
    // rule, so what domain code may import cannot reach them either.
    files: [
      'services/*/src/domain/**/*.ts',
      'packages/{calendar,contracts,metrics}/src/**/*.ts',
      'packages/catalog/src/**/*.ts',
      // The one module of @tthc/platform that domain code and the pure packages may import.
      'packages/platform/src/errors.ts',
    ],
    ignores: ['**/*.test.ts', '**/test-support/**', 'packages/catalog/src/{storage,procedure.repository}.ts', 'packages/catalog/src/cli/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            'kafkajs',
            'bullmq',
            'mongoose',
            'express',
            'ioredis',
            { name: '@tthc/platform', message: 'It loads Kafka, Express, MongoDB and Redis clients; AppError is in @tthc/platform/errors.' },
            { name: '@tthc/catalog/storage', message: 'The MongoDB catalog store; domain code gets a ProcedureStore or a lookup port.' },
            { name: '@tthc/read-models', message: 'The stored documents and their MongoDB queries; data-access code reads them and hands domain code plain records.' },
            '@tthc/ops',
            '@tthc/testkit',
          ],
          patterns: ['@tthc/*/src/*', '@tthc/*/dist/*'],
        },
      ],
    },
  },
  {
    files: ['**/*.test.ts', '**/test/**/*.ts', 'scripts/**', 'packages/testkit/**', '**/bench/**', '**/cli*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly', URL: 'readonly', setTimeout: 'readonly', fetch: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
