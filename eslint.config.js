// Lint, including the layer rule: code is placed by where it runs (shared / electron / renderer),
// and imports may only point the allowed ways.
import js from '@eslint/js'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'
import tseslint from 'typescript-eslint'

// Exact module names (a `paths` entry), so a local file such as ./events is not mistaken for one.
const NODE_BUILTIN_NAMES = ['fs', 'fs/promises', 'path', 'os', 'child_process', 'crypto', 'http', 'https', 'net', 'url', 'util', 'worker_threads', 'stream', 'events', 'buffer', 'process']
const nodeBuiltins = (message) => NODE_BUILTIN_NAMES.map((name) => ({ name, message }))

/** The layer rule, exported so a unit test can prove it catches violations. */
export const layerRules = [
  {
    // shared/: pure TypeScript for both sides. Only shared/, tfjs and pure libraries.
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...nodeBuiltins('shared/ runs in the renderer too: no Node modules.'), { name: 'electron', message: 'shared/ must not import electron.' }],
          patterns: [
            { group: ['node:*'], message: 'shared/ runs in the renderer too: no Node modules.' },
            { group: ['**/electron/**', '**/renderer/**'], message: 'shared/ imports only shared/.' },
            { group: ['react', 'react-dom', 'react-dom/*', 'chart.js', 'chart.js/*', 'i18next', 'react-i18next', 'sqlite3'], message: 'shared/ has no UI, DOM or storage dependencies.' },
          ],
        },
      ],
    },
  },
  {
    // Node side outside main/ and preload/: no electron, so it runs headless (server, CLI, tests).
    files: ['electron/**/*.ts'],
    ignores: ['electron/main/**', 'electron/preload/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'Only electron/main and electron/preload may import electron.' }],
          patterns: [
            { group: ['**/renderer/**'], message: 'The Node side does not import renderer code.' },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/main/**/*.ts', 'electron/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/renderer/**'], message: 'The Node side does not import renderer code.' }] }],
    },
  },
  {
    // renderer/: the browser. From electron/ it may import types only.
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins('The renderer runs in a browser: no Node modules.'),
            { name: 'electron', message: 'The renderer talks to the Node side only through the contract.' },
          ],
          patterns: [
            { group: ['node:*', 'sqlite3'], message: 'The renderer runs in a browser: no Node modules.' },
            { group: ['**/electron/**'], allowTypeImports: true, message: 'The renderer may import only types from electron/.' },
          ],
        },
      ],
    },
  },
]

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', '.gpu/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
  },
  {
    files: ['shared/**/*.ts'],
    languageOptions: { globals: {} },
  },
  ...layerRules,
)
