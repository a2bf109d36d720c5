import { SEND_WINDOW_MS, SendLog } from '../core/requestSpacing';
import type { ExotelAccount } from '../transport/exotelApi';

/** Accounts remembered at once; the least recently used one is forgotten beyond this. */
const MAX_ACCOUNTS = 100;

const logs = new Map<string, SendLog>();

/**
 * The send log that every Connect Call execution in this n8n process shares for one Exotel account (same API
 * host and Account SID), so overlapping executions keep Max Requests Per Minute together. Queue mode runs
 * executions in several processes; each keeps its own log there.
 */
export function sendLogFor(account: Pick<ExotelAccount, 'accountSid' | 'baseUrl'>): SendLog {
	const key = `${account.baseUrl}|${account.accountSid}`;
	const known = logs.get(key);
	if (known) {
		logs.delete(key);
		logs.set(key, known);
		return known;
	}
	const log = new SendLog(SEND_WINDOW_MS);
	logs.set(key, log);
	if (logs.size > MAX_ACCOUNTS) logs.delete(logs.keys().next().value as string);
	return log;
}
