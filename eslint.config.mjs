/**
 * Lint as n8n lints community nodes: `@n8n/node-cli`'s flat config, which is what `n8n-node lint` runs. It applies
 * `@n8n/eslint-plugin-community-nodes` (recommended, with n8n Cloud support), the `eslint-plugin-n8n-nodes-base`
 * community / credentials / nodes rule sets, typescript-eslint's recommended rules and import-x.
 * `npm run lint` adds `--max-warnings 0`; `npm run scan` runs n8n's verification scanner on top (it ignores inline
 * `eslint-disable` comments, so a finding has to be fixed, not silenced).
 *
 * Only the published package is linted (nodes/, credentials/, package.json): the tests, the simulator, the benchmark
 * and the scripts are not part of it and run outside n8n (they use timers, process and the file system on purpose).
 */
import { config } from '@n8n/node-cli/eslint';

export default [
	{
		ignores: [
			'bench/**',
			'coverage/**',
			'dist/**',
			'docs/**',
			'examples/**',
			'scripts/**',
			'simulator/**',
			'test/**',
			'*.js',
			'*.mjs',
		],
	},
	...config,
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
];
