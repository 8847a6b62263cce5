// The linter `npm test` runs (npm run lint): ESLint's and typescript-eslint's recommended rules,
// without type information (a type-aware pass would double the test suite's CPU), plus the
// project's own: functions stay under ~150 lines in src/ and webview/, and src/core imports neither
// the editor's API nor Node's modules (tsconfig.core.json enforces the same in the compiler).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'scratch/**',
      '.scratch/**',
      '.e2e/**',
      'out/**',
      '.cache/**',
      'test-results/**',
      '.vscode-test/**',
      'src/core/spec/schemaValidator.generated.js',
      'tools/**/*.py',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: {
        console: 'readonly',
        process: 'readonly',
        __dirname: 'readonly',
        __filename: 'readonly',
        require: 'readonly',
        module: 'writable',
        performance: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        structuredClone: 'readonly',
        SharedArrayBuffer: 'readonly',
        Atomics: 'readonly',
        queueMicrotask: 'readonly',
        globalThis: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // `import x = require('m')` is typed; a bare require() is not.
      '@typescript-eslint/no-require-imports': ['error', { allowAsImport: true }],
      // A variable a closure reads before it is assigned (the extension's commands) stays `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // CommonJS entry points and worker fixtures.
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests read the CLI's JSON output: `any` there is the shape of a parsed document, checked by the assertions.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['src/**/*.ts', 'webview/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 150, skipBlankLines: true, skipComments: true, IIFEs: true }] },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['vscode', 'node:*', 'fs', 'path', 'os', 'child_process', 'worker_threads'],
              message: 'src/core is pure: the shells read files and talk to the editor.',
            },
          ],
        },
      ],
    },
  },
);
