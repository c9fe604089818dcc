// Lint, including the layering rules of STYLE.md, enforced rather than hoped for:
// - electron/shared imports nothing from Electron, Node or the other layers;
// - electron/engine never imports Electron, main, preload or the renderer;
// - electron/preload imports only electron and shared;
// - electron/main may import engine and shared, never the renderer;
// - renderer imports only itself and electron/shared; never Node or Electron.
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import vueParser from 'vue-eslint-parser';

// Bare module names are matched by regex on the whole specifier, so a relative path such
// as '../../electron/shared' is never mistaken for the 'electron' package.
const NODE = '^(node:.*|fs|path|os|child_process|net|dgram|http|https|crypto|worker_threads|module|url|util|events|stream)(/.*)?$';
const ELECTRON = '^electron(/.*)?$';
const pattern = (groups, message) => ({ regex: groups.map((g) => `(${g})`).join('|'), message });

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-output/**', 'native/**/build/**'] },
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parser: vueParser, parserOptions: { parser: tseslint.parser, sourceType: 'module' } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
    },
  },
  {
    files: ['bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', process: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['electron/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        pattern([ELECTRON, NODE], 'electron/shared is the contract: no Electron or Node imports.'),
        pattern(['/engine/', '/main/', '/preload/', 'renderer/'], 'electron/shared imports nothing from other layers.'),
      ] }],
    },
  },
  {
    files: ['electron/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        pattern([ELECTRON], 'The engine is plain Node: it never imports Electron.'),
        pattern(['/main/', '/preload/', 'renderer/'], 'The engine never imports the Electron glue or the renderer.'),
      ] }],
    },
  },
  {
    files: ['electron/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        pattern([NODE], 'The sandboxed preload has no Node.'),
        pattern(['/engine/', '/main/', 'renderer/'], 'The preload imports only electron and electron/shared.'),
      ] }],
    },
  },
  {
    files: ['electron/main/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [pattern(['renderer/', '/preload/'], 'Main never imports the renderer or the preload.')] }],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.vue'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        pattern([ELECTRON, NODE], 'The renderer never touches Node or Electron; go through the platform bridge.'),
        pattern(['electron/engine', 'electron/main', 'electron/preload'], 'The renderer may import electron/shared only.'),
      ] }],
    },
  },
);
