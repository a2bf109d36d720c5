/** Unit, node (real HTTP against the in-process simulator) and engine tests. The real-n8n suite is test/e2e. */
module.exports = {
	preset: 'ts-jest',
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	testPathIgnorePatterns: ['/node_modules/', '/test/e2e/'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.check.json', diagnostics: { warnOnly: false } }],
	},
	testTimeout: 30000,
};
