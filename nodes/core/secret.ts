/**
 * The workflow's shared secrets (the Status Trigger's, the dashboard control's): what makes one unusable, and a
 * comparison that leaks neither content nor length through its timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Minimum length of a shared secret; shorter ones are guessable. */
export const MIN_SECRET_LENGTH = 16;
/** The Status Trigger's Secret placeholder: shown in every editor, so it is public. */
export const EDITOR_PLACEHOLDER_VALUE = '7f3a9c2e5b8d41f6a0c4e9b2';
/** Secrets published in this repository (examples/, the Secret placeholder): anyone can read them. */
const PUBLIC_SECRETS = [
	'replace-with-a-long-random-secret',
	'change-me-to-a-long-random-secret',
	EDITOR_PLACEHOLDER_VALUE,
];
const MIN_DISTINCT_CHARACTERS = 8;

/** Why `secret` must not be used (too short, published in this repository, low variety), or undefined. */
export function secretProblem(secret: string): string | undefined {
	if (secret.length < MIN_SECRET_LENGTH) {
		return `The Secret must be at least ${MIN_SECRET_LENGTH} characters (it has ${secret.length})`;
	}
	if (PUBLIC_SECRETS.includes(secret.toLowerCase()))
		return 'The Secret is a published example value, not a secret';
	if (new Set(secret).size < MIN_DISTINCT_CHARACTERS || /^(.+)\1+$/s.test(secret)) {
		return `The Secret is too easy to guess (fewer than ${MIN_DISTINCT_CHARACTERS} different characters, or one repeated pattern)`;
	}
	return undefined;
}

/** Constant-time string equality: both sides are hashed first, so neither the content nor the length leaks. */
export function secretsMatch(given: string, expected: string): boolean {
	const a = createHash('sha256').update(given, 'utf8').digest();
	const b = createHash('sha256').update(expected, 'utf8').digest();
	return timingSafeEqual(a, b) && given.length === expected.length;
}
