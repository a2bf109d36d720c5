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
const QUEUE_MODE = 'queueMode';

describe('Pacing Settings (Release node) to engine settings', () => {
	it('maps every option of the collection to the engine setting of the same name', () => {
		expect(options.length).toBeGreaterThan(10);
		const defaults = resolveSettings({}) as unknown as IDataObject;
		// Queue Mode is not a pacing decision: it tells the node where the campaign lives (store.ts, queue test below)
		for (const option of options.filter((o) => o.name !== QUEUE_MODE)) {
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

	it('Queue Mode is a setting of the node, not of the engine: the engine settings never carry it', () => {
		const option = options.find((o) => o.name === QUEUE_MODE);
		expect(option?.type).toBe('boolean');
		expect(option?.default).toBe(false);
		expect(settingsFromParameters({ queueMode: true, maxAttempts: 2 })).toEqual({ maxAttempts: 2 });
	});
});
