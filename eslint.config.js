import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import { builtinRules } from 'eslint/use-at-your-own-risk';

/**
 * Sizes: a function over 120 lines (blank lines and comments aside) is a
 * warning, a place where a reader would want names; over 200 it is an
 * error, as are files over 1,200 lines and lines over 400 characters. ESLint
 * takes one severity per rule, so the hard limit is the same core rule
 * under a second name.
 */
const size = { rules: { 'max-lines-per-function': builtinRules.get('max-lines-per-function') } };
const functionLines = { skipBlankLines: true, skipComments: true, IIFEs: true };

/**
 * Boundaries: a folder of src/ is reached from another only through its
 * index.ts, which names what it offers (no `export *`), so that a folder's
 * insides can change without its users noticing. test/, bench/ and scripts/
 * may reach inside, to test the parts on their own.
 */
const throughIndex = (depth) => ({
  regex: `^(\\.\\./){${depth}}[^/.][^/]*/(?!index\\.js$)`,
  message: "import another folder of src/ through its index.ts (add the name to that folder's exports)",
});
/** One block per depth below src/: from src/a/x.ts another folder is ../b/, from src/a/b/x.ts it is ../../c/. */
const boundaries = [1, 2, 3].map((depth) => ({
  files: [`src/${'*/'.repeat(depth)}*.ts`],
  rules: { 'no-restricted-imports': ['error', { patterns: [throughIndex(depth)] }] },
}));

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'out/', 'bench/data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    plugins: { size },
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
      'max-lines-per-function': ['warn', { max: 120, ...functionLines }],
      'size/max-lines-per-function': ['error', { max: 200, ...functionLines }],
      'max-lines': ['error', { max: 1200 }],
      'max-len': ['error', { code: 400, ignoreUrls: false }],
    },
  },
  {
    // A test file is a list of cases in describe blocks: their length is the list's.
    files: ['test/**/*.ts'],
    rules: { 'max-lines-per-function': 'off', 'size/max-lines-per-function': 'off' },
  },
  ...boundaries,
  {
    files: ['src/*/index.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportAllDeclaration', message: 'name what the folder offers: export { a, b } from ...' },
      ],
    },
  },
);
