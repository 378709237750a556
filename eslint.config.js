// Lint rules that carry the project's habits (see ../shared/CONVENTIONS.md). Import direction and
// cycles are checked by scripts/check-layers.ts, which knows the architecture's layer order.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const pureAreas = ['src/core/**/*.ts', 'src/policy/**/*.ts'];
const noIoInPure = ['node:net', 'node:http', 'node:http2', 'node:https', 'node:tls', 'node:fs', 'node:fs/promises', 'node:dgram', 'node:child_process']
  .map((name) => ({ name, message: 'core/ and policy/ hold pure logic: do I/O at the edges and pass values in.' }));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bin/**', 'native/**', 'eslint.config.js', 'examples/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Named exports only.' }],
    },
  },
  {
    files: pureAreas,
    rules: {
      'no-restricted-imports': ['error', { paths: noIoInPure }],
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'Inject a Clock.' },
        { object: 'Math', property: 'random', message: 'Inject a Random.' }],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'setImmediate'],
    },
  },
  {
    // Programs' entry points, scripts, benchmarks and tests may print and read the environment.
    files: ['src/**/main.ts', 'src/cli/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts', 'test/**/*.ts', 'src/**/*.test.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['test/**/*.ts', '**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
);
