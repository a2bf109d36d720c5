/**
 * Number metadata (what GET /Numbers/:number answers), deterministic per number and seed (pure).
 * Landline-looking numbers get the circle of their STD code; mobiles get a seeded circle, operator and DND flag.
 * Fixtures override per number; ExoPhones are passed in as overrides so they report their own circle.
 */
import { CIRCLES, CIRCLE_CODES, type CircleCode } from '../nodes/core/circles';
import { deriveRng, type Seed } from './rng';
import { findByNumber, listHasNumber } from './phone';

export type NumberType = 'Mobile' | 'Landline';

export interface NumberMeta {
	/** 10-digit national number. */
	national: string;
	/** "0XXXXXXXXXX" as Exotel prints it. */
	phoneNumber: string;
	e164: string;
	circle: CircleCode;
	circleName: string;
	type: NumberType;
	operator: string;
	operatorName: string;
	dnd: boolean;
}

export interface NumberFixture {
	circle?: CircleCode;
	circleName?: string;
	type?: NumberType;
	operator?: string;
	operatorName?: string;
	dnd?: boolean;
}

export interface NumbersConfig {
	/** Share of numbers flagged DND (NCPR). */
	dndShare: number;
	/** Relative weights for the circle of mobile numbers (missing circles weigh 0; empty = uniform, CH half). */
	circleWeights: Partial<Record<CircleCode, number>>;
	/** Per-number overrides; keys in any accepted number form. */
	fixtures: Record<string, NumberFixture>;
	/** DND numbers that may still be called (CustomerWhitelist / called your ExoPhone recently); any number form. */
	whitelist: string[];
}

export const DEFAULT_NUMBERS_CONFIG: NumbersConfig = {
	dndShare: 0.08,
	circleWeights: {},
	fixtures: {},
	whitelist: [],
};

export const OPERATORS: Record<string, string> = {
	A: 'Airtel',
	B: 'BSNL',
	I: 'Idea',
	MT: 'MTNL',
	R: 'Reliance',
	T: 'Tata',
	V: 'Vodafone',
	VI: 'Vodafone Idea',
};

const MOBILE_OPERATOR_WEIGHTS: Array<readonly [string, number]> = [
	['R', 0.38],
	['A', 0.33],
	['V', 0.1],
	['I', 0.08],
	['VI', 0.04],
	['B', 0.07],
];

/** STD codes (without the trunk 0) -> circle. Longest prefix wins. */
export const STD_CIRCLES: Record<string, CircleCode> = {
	'11': 'DL',
	'20': 'MH',
	'22': 'MU',
	'33': 'KO',
	'40': 'AP',
	'44': 'TN',
	'79': 'GJ',
	'80': 'KA',
	'120': 'UW',
	'124': 'HR',
	'141': 'RJ',
	'172': 'PB',
	'177': 'HP',
	'191': 'JK',
	'343': 'WB',
	'361': 'AS',
	'364': 'NE',
	'484': 'KL',
	'522': 'UE',
	'612': 'BR',
	'674': 'OR',
	'755': 'MP',
};

/**
 * Circle of the STD code a landline-looking national number starts with. Numbers starting 1-5 are landlines;
 * 7x/8x numbers count as landlines only when an STD code is followed by a 2-4 (e.g. 080 4…), otherwise mobile.
 */
export function landlineCircle(national: string): CircleCode | undefined {
	for (const len of [3, 2]) {
		const code = national.slice(0, len);
		const circle = STD_CIRCLES[code];
		if (!circle) continue;
		// 6/7/8/9 start mobile series; 7x/8x STD codes only count as landline when the subscriber part starts 2-4.
		if (/^[1-5]/.test(national)) return circle;
		if (/^[78]/.test(national) && /[2-4]/.test(national.charAt(len))) return circle;
	}
	return undefined;
}

function isLandline(national: string): boolean {
	return /^[1-5]/.test(national) || landlineCircle(national) !== undefined;
}

/**
 * Metadata for a parsed national number. `overrides` (e.g. the ExoPhones) win over generated values;
 * `config.fixtures` win over both.
 */
export function numberMetadata(
	national: string,
	seed: Seed,
	config: NumbersConfig,
	overrides?: ReadonlyMap<string, NumberFixture>,
): NumberMeta {
	const rng = deriveRng(seed, 'number', national);
	const landline = isLandline(national);
	let circle: CircleCode;
	if (landline) {
		circle = landlineCircle(national) ?? rng.pick(CIRCLE_CODES);
	} else {
		const weights = circleWeights(config.circleWeights);
		circle = rng.weighted(weights);
	}
	let operator: string;
	if (landline)
		operator =
			circle === 'DL' || circle === 'MU'
				? 'MT'
				: rng.weighted([
						['B', 0.5],
						['A', 0.3],
						['T', 0.2],
					] as const);
	else operator = rng.weighted(MOBILE_OPERATOR_WEIGHTS);
	const dnd = rng.chance(config.dndShare);

	const fixture: NumberFixture = {
		...(overrides?.get(national) ?? {}),
		...(fixtureFor(national, config.fixtures) ?? {}),
	};
	const finalCircle = fixture.circle ?? circle;
	const finalOperator = fixture.operator ?? operator;
	return {
		national,
		phoneNumber: '0' + national,
		e164: '+91' + national,
		circle: finalCircle,
		circleName: fixture.circleName ?? CIRCLES[finalCircle],
		type: fixture.type ?? (landline ? 'Landline' : 'Mobile'),
		operator: finalOperator,
		operatorName: fixture.operatorName ?? OPERATORS[finalOperator] ?? finalOperator,
		dnd: fixture.dnd ?? dnd,
	};
}

function fixtureFor(
	national: string,
	fixtures: Record<string, NumberFixture>,
): NumberFixture | undefined {
	return findByNumber(fixtures, national);
}

function circleWeights(
	configured: Partial<Record<CircleCode, number>>,
): Array<readonly [CircleCode, number]> {
	const entries = Object.entries(configured) as Array<[CircleCode, number]>;
	if (entries.some(([, w]) => w > 0)) return entries;
	return CIRCLE_CODES.map((code) => [code, code === 'CH' ? 0.5 : 1] as const);
}

/** True when the number is on the configured whitelist (any number form). */
export function isWhitelisted(national: string, whitelist: readonly string[]): boolean {
	return listHasNumber(whitelist, national);
}
