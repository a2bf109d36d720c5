/** Worker process of bench/run.ts: runs the jobs it is sent and answers with their results. */
import { runJob, type Job } from './jobs';

process.on('message', (msg: { id: number; job: Job } | 'exit') => {
	if (msg === 'exit') process.exit(0);
	try {
		const result = runJob(msg.job);
		process.send!({ id: msg.id, result });
	} catch (e) {
		process.send!({ id: msg.id, error: (e as Error).stack ?? String(e) });
	}
});
process.send!('ready');
