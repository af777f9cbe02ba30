// Lint, including the layer rule: code is placed by where it runs (shared / electron / renderer),
// and imports may only point the allowed ways.
import js from '@eslint/js'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'
import tseslint from 'typescript-eslint'

// Exact module names (a `paths` entry), so a local file such as ./events is not mistaken for one.
const NODE_BUILTIN_NAMES = [
  'fs',
  'fs/promises',
  'path',
  'os',
  'child_process',
  'crypto',
  'http',
  'https',
  'net',
  'url',
  'util',
  'worker_threads',
  'stream',
  'events',
  'buffer',
  'process',
]
const nodeBuiltins = (message) => NODE_BUILTIN_NAMES.map((name) => ({ name, message }))

/** shared/'s own rule: pure TypeScript for both sides; only shared/, tfjs and pure libraries. */
const SHARED_PATHS = [
  ...nodeBuiltins('shared/ runs in the renderer too: no Node modules.'),
  { name: 'electron', message: 'shared/ must not import electron.' },
]
const SHARED_PATTERNS = [
  { group: ['node:*'], message: 'shared/ runs in the renderer too: no Node modules.' },
  { group: ['**/electron/**', '**/renderer/**'], message: 'shared/ imports only shared/.' },
  {
    group: ['react', 'react-dom', 'react-dom/*', 'chart.js', 'chart.js/*', 'i18next', 'react-i18next', 'sqlite3'],
    message: 'shared/ has no UI, DOM or storage dependencies.',
  },
]

/**
 * Layers inside shared/, a lattice, lowest first: kinds (what a cell, a norm, a task is:
 * definitions and vocabulary) < contract (requests and record shapes) < engine (training) < lab
 * (studies, findings, reports); beside contract and engine, kinds < i18n (the words in each
 * language, which name the kinds) < lab (findings and reports are written in words). A layer
 * imports only the layers below it: the engine and the contract speak no language.
 */
const SHARED_LAYERS = [
  { folder: 'kinds', below: [] },
  { folder: 'i18n', below: ['kinds'] },
  { folder: 'contract', below: ['kinds'] },
  { folder: 'engine', below: ['kinds', 'contract'] },
  { folder: 'lab', below: ['kinds', 'i18n', 'contract', 'engine'] },
]
const LAYERED = SHARED_LAYERS.map((l) => l.folder)

function sharedLayers() {
  const rule = (patterns) => ({
    'no-restricted-imports': ['error', { paths: SHARED_PATHS, patterns: [...SHARED_PATTERNS, ...patterns] }],
  })
  return [
    { files: ['shared/**/*.ts'], rules: rule([]) },
    ...SHARED_LAYERS.map(({ folder, below }) => {
      const above = LAYERED.filter((f) => f !== folder && !below.includes(f))
      return {
        files: [`shared/${folder}/**/*.ts`],
        rules: rule(
          above.length === 0
            ? []
            : [
                {
                  group: above.flatMap((f) => [`**/${f}`, `**/${f}/**`]),
                  message: `shared/${folder} may import only ${below.length ? below.map((b) => `shared/${b}`).join(', ') : 'nothing of the other layers'} (layers: kinds < contract < engine < lab, kinds < i18n < lab).`,
                },
              ],
        ),
      }
    }),
  ]
}

/** The layer rule, exported so a unit test can prove it catches violations. */
export const layerRules = [
  ...sharedLayers(),
  {
    // Node side outside main/ and preload/: no electron, so it runs headless (server, CLI, tests).
    files: ['electron/**/*.ts'],
    ignores: ['electron/main/**', 'electron/preload/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'Only electron/main and electron/preload may import electron.' }],
          patterns: [{ group: ['**/renderer/**'], message: 'The Node side does not import renderer code.' }],
        },
      ],
    },
  },
  {
    files: ['electron/main/**/*.ts', 'electron/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/renderer/**'], message: 'The Node side does not import renderer code.' }] },
      ],
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
            {
              group: ['**/electron/**'],
              allowTypeImports: true,
              message: 'The renderer may import only types from electron/.',
            },
          ],
        },
      ],
    },
  },
]

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      'test-results/**',
      '.gpu/**',
      'shared/engine/recurrence/wasm/assembly/**',
    ],
  },
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
