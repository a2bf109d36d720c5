/**
 * Two kinds of code, two rule sets.
 *
 * The published package (nodes/, credentials/, package.json) is linted as n8n lints community nodes:
 * `@n8n/node-cli`'s flat config, which is what `n8n-node lint` runs. It applies `@n8n/eslint-plugin-community-nodes`
 * (recommended, with n8n Cloud support), the `eslint-plugin-n8n-nodes-base` community / credentials / nodes rule sets,
 * typescript-eslint's recommended rules and import-x. `npm run scan` runs n8n's verification scanner on top (it
 * ignores inline `eslint-disable` comments, so a finding has to be fixed, not silenced).
 *
 * Everything else (test/, scripts/, simulator/, bench/ and the config files at the top) runs outside n8n and uses
 * timers, process, the console and the file system on purpose, so n8n's community-node rules do not apply to it. It
 * gets ESLint's and typescript-eslint's recommended rules (the same typescript-eslint as the package, taken from
 * n8n's config) and import-x, with Node's globals.
 *
 * `npm run lint` lints both with `--max-warnings 0`.
 */
import js from '@eslint/js';
import { config } from '@n8n/node-cli/eslint';
import globals from 'globals';

const PACKAGE_TS = ['nodes/**/*.ts', 'credentials/**/*.ts'];
const TOOLING_TS = ['test/**/*.ts', 'scripts/**/*.ts', 'simulator/**/*.ts', 'bench/**/*.ts'];
const TOOLING_JS = ['test/**/*.{js,cjs,mjs}', 'scripts/**/*.{js,cjs,mjs}', '*.{js,cjs,mjs}'];

/**
 * A leading underscore marks a name kept on purpose: a parameter an interface requires, or a key taken out of an
 * object so that the rest can be compared.
 */
const UNUSED = {
	argsIgnorePattern: '^_',
	varsIgnorePattern: '^_',
	destructuredArrayIgnorePattern: '^_',
	ignoreRestSiblings: true,
};

/** n8n's blocks for every `.ts` file, narrowed to the package; the rest of n8n's config is unchanged. */
const n8nConfig = config.map((block) =>
	block.files?.length === 1 && block.files[0] === '**/*.ts'
		? { ...block, files: PACKAGE_TS }
		: block,
);

/** typescript-eslint's parser and recommended rules, as n8n's config brings them (one version for both). */
const typescriptRecommended = config
	.filter((block) => block.name?.startsWith('typescript-eslint/'))
	.map((block) => ({ ...block, files: TOOLING_TS }));
const importRecommended = config
	.filter((block) => block.name === 'import-x/recommended')
	.map((block) => ({ ...block, files: [...TOOLING_TS, ...TOOLING_JS] }));

export default [
	{
		ignores: ['coverage/**', 'dist/**', 'docs/**', 'examples/**', 'bench/charts/**', '.e2e/**'],
	},
	...n8nConfig,
	{
		// The core (wire types, mapping, phone numbers, the pacing engine) stays free of n8n: node classes adapt it.
		files: ['nodes/core/**/*.ts'],
		rules: {
			'no-restricted-imports': [
				'error',
				{
					patterns: [
						{
							group: [
								'n8n-workflow',
								'n8n-workflow/*',
								'n8n-core',
								'../transport/*',
								'../../transport/*',
								'../shared/*',
								'../../shared/*',
								'../../../shared/*',
							],
							message: 'nodes/core must not depend on n8n or the node layer.',
						},
					],
				},
			],
		},
	},
	{
		files: [...TOOLING_TS, ...TOOLING_JS],
		...js.configs.recommended,
	},
	...typescriptRecommended,
	...importRecommended,
	{
		files: [...TOOLING_TS, ...TOOLING_JS],
		languageOptions: { globals: { ...globals.node } },
	},
	{
		files: TOOLING_JS,
		rules: { 'no-unused-vars': ['error', UNUSED] },
	},
	{
		files: TOOLING_TS,
		rules: { '@typescript-eslint/no-unused-vars': ['error', UNUSED] },
	},
	{
		// CommonJS: the config files at the top, the Google preload and the probe package's nodes (test/e2e/fixtures).
		files: ['*.js', 'test/**/*.{js,cjs}'],
		languageOptions: { sourceType: 'commonjs' },
	},
	{
		files: ['test/**/*.ts'],
		languageOptions: { globals: { ...globals.jest } },
	},
];
