// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test/fixtures/**', 'bin/**', '*.js', '*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-syntax': ['error', { selector: 'CallExpression[callee.object.name="Date"][callee.property.name="now"]', message: 'Use the injected Clock, not Date.now().' }],
    },
  },
  {
    // The pure core never performs I/O: no filesystem, network, processes or clocks.
    files: ['lib/core/**/*.ts', 'crd-schemas/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:fs', 'fs', 'node:fs/*', 'fs/*', 'node:http', 'http', 'node:https', 'https', 'node:net', 'net', 'node:child_process', 'child_process', 'axios', 'node-cron'], message: 'lib/core is pure: do I/O in an adapter and pass the result in.' },
          { group: ['**/adapters/**', '**/sim/**', '**/server/**', '**/cli/**', '**/runtime/**', '../../controllers/**'], message: 'lib/core must not depend on adapters or runtime.' },
        ],
      }],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
