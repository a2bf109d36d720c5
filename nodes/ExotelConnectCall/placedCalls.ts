/**
 * Calls this n8n process has placed, so that the same call is never sent twice: n8n's "Retry On Fail" re-runs
 * Connect Call with the same items after one of them failed, and the items already placed would be dialled again.
 * Process-wide, bounded (least recently used out) and forgotten after a while. See test/nodes/connectCall.test.ts.
 */
import type { IDataObject } from 'n8n-workflow';

export const PLACED_CALLS_MAX = 10_000;
export const PLACED_CALLS_TTL_MS = 30 * 60_000;

interface Entry {
	result: IDataObject;
	at: number;
}

export class PlacedCallMemory {
	private readonly entries = new Map<string, Entry>();

	constructor(
		private readonly maxEntries = PLACED_CALLS_MAX,
		private readonly ttlMs = PLACED_CALLS_TTL_MS,
	) {}

	/** The stored result of the call placed under `key` less than ttlMs ago. */
	get(key: string, now: number): IDataObject | undefined {
		const entry = this.entries.get(key);
		if (!entry) return undefined;
		this.entries.delete(key);
		if (now - entry.at >= this.ttlMs) return undefined;
		this.entries.set(key, entry); // most recently used last
		return entry.result;
	}

	remember(key: string, result: IDataObject, now: number): void {
		this.entries.delete(key);
		this.entries.set(key, { result, at: now });
		while (this.entries.size > this.maxEntries) {
			const oldest = this.entries.keys().next().value as string;
			this.entries.delete(oldest);
		}
	}

	get size(): number {
		return this.entries.size;
	}
}

export const placedCalls = new PlacedCallMemory();

/**
 * The identity of one call. The Pacing Controller's Custom Field is unique per release, so it alone (with the
 * account) identifies the call. Any other Custom Field (the one built from the item, or the user's own) may repeat
 * legitimately in a later execution, so it counts only within the same execution, with From and Caller ID.
 */
export function placedCallKey(
	account: { baseUrl: string; accountSid: string },
	call: { from: string; callerId: string; customField: string; fromPacing: boolean },
	executionId: string,
): string {
	const parts = [account.baseUrl, account.accountSid, call.customField];
	if (!call.fromPacing) parts.push(call.from, call.callerId, executionId);
	return JSON.stringify(parts);
}
