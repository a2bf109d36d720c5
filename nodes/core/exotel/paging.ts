/**
 * Bulk Call Details paging, independent of n8n: the caller injects `fetch` (the transport).
 * Sids are split into chunks of 100 (Exotel's maximum per request); each chunk is paged with the `After`
 * cursor from Metadata.NextPageUri until the limit is reached or the pages run out.
 */
import { mapBulkCalls, type NormalizedCall } from './mapping';
import {
	MAX_PAGE_SIZE,
	bulkCallDetailsRequest,
	chunk,
	type BulkCallFilters,
	type ExotelRequest,
} from './requests';

export interface BulkCallResult {
	call: NormalizedCall;
	raw: Record<string, unknown>;
}

export interface CollectBulkCallsOptions {
	/** Stop after this many calls; undefined or Infinity = all pages. */
	limit?: number;
	/** Safety net against a server that keeps returning cursors (default 1000 pages). */
	maxPages?: number;
}

export async function collectBulkCalls(
	fetch: (request: ExotelRequest) => Promise<unknown>,
	accountSid: string,
	filters: Omit<BulkCallFilters, 'after' | 'before'>,
	options: CollectBulkCallsOptions = {},
): Promise<BulkCallResult[]> {
	const limit = options.limit ?? Infinity;
	const maxPages = options.maxPages ?? 1000;
	const out: BulkCallResult[] = [];
	const sidChunks: Array<string[] | undefined> = filters.sids?.length
		? chunk(filters.sids)
		: [undefined];
	let pages = 0;
	for (const sids of sidChunks) {
		const seenCursors = new Set<string>();
		let after: string | undefined;
		do {
			if (out.length >= limit) return out;
			const remaining = limit - out.length;
			const pageSize = Math.min(
				filters.pageSize ?? MAX_PAGE_SIZE,
				MAX_PAGE_SIZE,
				Number.isFinite(remaining) ? Math.max(1, remaining) : MAX_PAGE_SIZE,
			);
			const request = bulkCallDetailsRequest(accountSid, { ...filters, sids, pageSize, after });
			const page = mapBulkCalls(await fetch(request));
			page.calls.forEach((call, idx) => {
				if (out.length < limit) out.push({ call, raw: page.raw[idx] });
			});
			pages++;
			after = page.nextAfter;
			if (after && seenCursors.has(after)) after = undefined; // a repeating cursor would loop forever
			if (after) seenCursors.add(after);
			if (page.calls.length === 0) after = undefined;
		} while (after && pages < maxPages);
	}
	return out;
}
