/**
 * The Release node's "Pacing Settings" collection reaches the engine: every option in the editor maps to an engine
 * setting of the same name (the retry gaps to one, by status), and a value set there (e.g. Verification Calls per Minute = 0, off) is what the engine
 * uses.
 */
import type { IDataObject, INodeProperties } from 'n8n-workflow';

import { resolveSettings } from '../../nodes/core/pacing';
import { properties } from '../../nodes/ExotelPacingController/description';
import { settingsFromParameters } from '../../nodes/ExotelPacingController/fields';

const collection = properties.find((p) => p.name === 'settings') as INodeProperties;
const options = (collection.options ?? []) as INodeProperties[];

describe('Pacing Settings (Release node) to engine settings', () => {
	it('maps every option of the collection to the engine setting of the same name', () => {
		expect(options.length).toBeGreaterThan(10);
		const defaults = resolveSettings({}) as unknown as IDataObject;
		for (const option of options) {
			const value = option.type === 'boolean' ? !option.default : option.default;
			const mapped = settingsFromParameters({ [option.name]: value } as IDataObject);
			// the three retry gaps are one engine setting, by status
			const engineName = option.name.startsWith('retry') ? 'retryGapMinutes' : option.name;
			expect([option.name, Object.keys(mapped)]).toEqual([option.name, [engineName]]);
			expect(engineName in defaults).toBe(true);
		}
	});

	it('Verification Calls per Minute: the editor default is the engine default, and 0 turns it off', () => {
		const option = options.find((o) => o.name === 'verifyCallsPerMinute');
		expect(option?.default).toBe(resolveSettings({}).verifyCallsPerMinute);
		expect(
			resolveSettings(settingsFromParameters({ verifyCallsPerMinute: 0 })).verifyCallsPerMinute,
		).toBe(0);
	});
});
