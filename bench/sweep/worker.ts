/** Worker process of bench/sweep/run.ts: runs the sweep jobs it is sent and answers with their results. */
import { runSweepJob, type SweepJob } from './jobs';

process.on('message', (msg: { id: number; job: SweepJob } | 'exit') => {
	if (msg === 'exit') process.exit(0);
	try {
		process.send!({ id: msg.id, result: runSweepJob(msg.job) });
	} catch (e) {
		process.send!({ id: msg.id, error: (e as Error).stack ?? String(e) });
	}
});
process.send!('ready');
