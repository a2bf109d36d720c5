/**
 * One icon pair for the package: icons/exotel.svg and icons/exotel.dark.svg. n8n resolves `file:` icons relative to
 * the compiled node or credential file (dist/nodes/<Node>/, dist/credentials/) and refuses paths outside the package;
 * `n8n-node build` copies icons/ to dist/icons/, which package.json `files` publishes. The lint rule icon-validation
 * checks the nodes' paths but not the credential's (`as const` hides the literal from it), so this test checks all.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

import type { ICredentialType, INodeType } from 'n8n-workflow';

import { ExotelApi } from '../../credentials/ExotelApi.credentials';
import { ExotelCallDetails } from '../../nodes/ExotelCallDetails/ExotelCallDetails.node';
import { ExotelCallerIdSelector } from '../../nodes/ExotelCallerIdSelector/ExotelCallerIdSelector.node';
import { ExotelConnectCall } from '../../nodes/ExotelConnectCall/ExotelConnectCall.node';
import { ExotelNumberLookup } from '../../nodes/ExotelNumberLookup/ExotelNumberLookup.node';
import { ExotelPacingController } from '../../nodes/ExotelPacingController/ExotelPacingController.node';
import { ExotelStatusTrigger } from '../../nodes/ExotelStatusTrigger/ExotelStatusTrigger.node';

const ROOT = resolve(__dirname, '../..');

const nodes: Array<[string, INodeType]> = [
	['ExotelCallDetails', new ExotelCallDetails()],
	['ExotelCallerIdSelector', new ExotelCallerIdSelector()],
	['ExotelConnectCall', new ExotelConnectCall()],
	['ExotelNumberLookup', new ExotelNumberLookup()],
	['ExotelPacingController', new ExotelPacingController()],
	['ExotelStatusTrigger', new ExotelStatusTrigger()],
];

/** Where n8n finds `icon` for a class compiled into `dir` (relative to the package root), as a root-relative path. */
function iconFiles(icon: unknown, dir: string): string[] {
	const paths = typeof icon === 'string' ? [icon] : Object.values(icon as Record<string, string>);
	return paths.map((p) => {
		expect(p).toMatch(/^file:/);
		return relative(ROOT, resolve(ROOT, dir, p.replace(/^file:/, '')));
	});
}

describe('icons', () => {
	it.each(nodes)('%s uses the shared light and dark icon', (name, node) => {
		expect(iconFiles(node.description.icon, `nodes/${name}`)).toEqual([
			'icons/exotel.svg',
			'icons/exotel.dark.svg',
		]);
		// the same path from dist/nodes/<Node>/ lands in dist/icons/, inside the package
		expect(iconFiles(node.description.icon, `dist/nodes/${name}`)).toEqual([
			'dist/icons/exotel.svg',
			'dist/icons/exotel.dark.svg',
		]);
	});

	it('the credential uses the shared light icon', () => {
		const credential: ICredentialType = new ExotelApi();
		expect(iconFiles(credential.icon, 'credentials')).toEqual(['icons/exotel.svg']);
		expect(iconFiles(credential.icon, 'dist/credentials')).toEqual(['dist/icons/exotel.svg']);
	});

	it('the pair exists once, and the package publishes it', () => {
		expect(existsSync(join(ROOT, 'icons/exotel.svg'))).toBe(true);
		expect(existsSync(join(ROOT, 'icons/exotel.dark.svg'))).toBe(true);
		const copies = ['nodes', 'credentials'].flatMap((top) =>
			readdirSync(join(ROOT, top), { recursive: true, encoding: 'utf8' })
				.filter((f) => f.endsWith('.svg'))
				.map((f) => join(top, f)),
		);
		expect(copies).toEqual([]);
		const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
		expect(pkg.files).toContain('dist/icons');
	});
});
