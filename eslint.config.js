import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'coverage/**', '**/dist/**', 'eslint.config.js', '.dependency-cruiser.cjs'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A lost promise is a lost job: every promise is awaited, returned or explicitly voided.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through the config module.' }],
    },
  },
  {
    // Another workspace is used through its package's public entries (@jabba/domain/engine,
    // @jabba/worker), never through its files by relative path; the dependency rules
    // (.dependency-cruiser.cjs) check which entries and which directions.
    files: ['**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/packages/**', '**/apps/**', '../../api/**', '../../worker/**'], message: 'Import another workspace through its package name (e.g. @jabba/domain/engine), not by relative path.' }],
      }],
    },
  },
  {
    // The config modules are the only readers of process.env.
    files: ['apps/*/src/config.ts', 'apps/console/vite.config.ts', 'scripts/**', 'bench/**', 'test/**', '**/test/**', 'vitest.config.ts', 'vitest.faults.config.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
