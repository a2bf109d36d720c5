/**
 * The bounded memory of finished calls: "have we already counted this CallSid?"
 *
 * Every resolved call's CallSid is kept as a 6-character hash (36 bits) in a bucket per minute of the time it
 * was counted. Buckets older than the watermark (now - dedupeHorizonMinutes) are dropped, so the set holds at
 * most rate x horizon entries (190/min x 15 min = 2,850 hashes = 17 KB of JSON) however long the campaign runs.
 * The bucket also tells WHEN a call was counted, which Release uses to let a count "settle" (eligibility.ts).
 *
 * A call placed before the watermark that is not in flight is treated as already counted (a late duplicate of a
 * pruned call; a call counted is remembered at least until its placement passes the watermark). What that bound costs: a call whose registration AND every outcome report were lost, and that no
 * Release saw in the contact sheet within the horizon, is never counted. Exotel retries callbacks within minutes,
 * and Release re-registers unknown CallSids from the sheet every tick, so the horizon only has to cover a few ticks
 * plus callback retries; 15 minutes (past the 12.75-minute default lease) leaves a wide margin.
 *
 * Hash collisions: with 2,850 hashes in a 2^36 space, an unrelated CallSid matches by chance with probability
 * 4e-8 per lookup; lookups happen only for calls the state does not know (lost registrations), so the expected
 * number of wrongly ignored outcomes over a 100k-call campaign is far below one.
 */
import type { CampaignState } from './state';

// Math functions bound once (hot loops; global lookups are slow in sandboxed hosts such as Jest's vm).
const { floor, imul } = Math;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
export const HASH_LENGTH = 6;

function fmix32(h: number): number {
	h ^= h >>> 16;
	h = imul(h, 0x85ebca6b);
	h ^= h >>> 13;
	h = imul(h, 0xc2b2ae35);
	h ^= h >>> 16;
	return h >>> 0;
}

/** Deterministic 36-bit hash of a CallSid (or a contact key), as 6 URL-safe characters. */
export function sidHash(sid: string): string {
	let h1 = 0x811c9dc5;
	let h2 = 0x9747b28c;
	for (let i = 0; i < sid.length; i++) {
		const c = sid.charCodeAt(i);
		h1 = imul(h1 ^ c, 16777619);
		h2 = imul(h2 ^ c, 0x5bd1e995);
		h2 ^= h2 >>> 15;
	}
	h1 = fmix32(h1);
	h2 = fmix32(h2);
	let out = '';
	for (let i = 0; i < 5; i++) out += ALPHABET[(h1 >>> (i * 6)) & 63];
	out += ALPHABET[h2 & 63];
	return out;
}

/** All remembered hashes -> minute they were counted (the state holds a few thousand at most). */
export function doneHashes(state: CampaignState): Map<string, number> {
	const map = new Map<string, number>();
	for (const [minute, hashes] of state.done) {
		for (let i = 0; i + HASH_LENGTH <= hashes.length; i += HASH_LENGTH)
			map.set(hashes.substr(i, HASH_LENGTH), minute);
	}
	return map;
}

/**
 * The finished-call memory of one state as seen by one engine call. The first few lookups scan the stored
 * strings directly (most engine calls need none or a handful); from the ninth on, a Set is built once.
 */
export class DoneSet {
	private map: Map<string, number> | null = null;
	private lookups = 0;
	constructor(private readonly state: CampaignState) {}
	/** Minute (epoch ms / 60000) in which the call was counted, or undefined. */
	countedMinute(hash: string): number | undefined {
		if (this.map === null && ++this.lookups > 8) this.map = doneHashes(this.state);
		if (this.map !== null) return this.map.get(hash);
		for (let b = this.state.done.length - 1; b >= 0; b--) {
			const [minute, hashes] = this.state.done[b];
			let i = hashes.indexOf(hash);
			while (i !== -1) {
				if (i % HASH_LENGTH === 0) return minute;
				i = hashes.indexOf(hash, i + 1);
			}
		}
		return undefined;
	}
	has(hash: string): boolean {
		return this.countedMinute(hash) !== undefined;
	}
	add(hash: string, minute: number): void {
		if (this.map !== null) this.map.set(hash, minute);
	}
}

/** Remembers a call counted at `countedAt` (mutates `state.done`, which the caller owns). Once per CallSid. */
export function addDone(state: CampaignState, sid: string, countedAt: number, set?: DoneSet): void {
	const h = sidHash(sid);
	const minute = floor(countedAt / 60000);
	set?.add(h, minute);
	const done = state.done;
	let i = done.length - 1;
	while (i >= 0 && done[i][0] > minute) i--;
	if (i >= 0 && done[i][0] === minute) done[i] = [minute, done[i][1] + h];
	else done.splice(i + 1, 0, [minute, h]);
}

/** Drops buckets entirely before the watermark. */
export function pruneDone(state: CampaignState): void {
	const firstKept = state.done.findIndex(([minute]) => (minute + 1) * 60000 > state.watermark);
	if (firstKept === -1) state.done = [];
	else if (firstKept > 0) state.done = state.done.slice(firstKept);
}

/** Hash of a contact key as kept in the send log. */
export const keyHash = sidHash;
