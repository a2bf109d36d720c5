/**
 * Runs jobs in forked worker processes (bench/worker.ts, bench/sweep/worker.ts): each worker says 'ready', gets
 * `{ id, job }`, answers `{ id, result }` or `{ id, error }`, and is sent 'exit' when no job is left.
 */
import { fork, type ChildProcess } from 'node:child_process';

type WorkerMessage<R> = 'ready' | { id: number; result?: R; error?: string };

export function runInWorkers<J, R>(
	workerFile: string,
	jobs: J[],
	workers: number,
	describe: (result: R) => string,
): Promise<R[]> {
	const results: R[] = new Array(jobs.length);
	let next = 0;
	let done = 0;
	const execArgv = process.execArgv.length ? process.execArgv : ['--import', 'tsx'];
	return new Promise((resolve, reject) => {
		const children: ChildProcess[] = [];
		const told = new Set<ChildProcess>();
		const release = (child: ChildProcess) => {
			if (told.has(child)) return;
			told.add(child);
			if (child.connected) child.send('exit');
		};
		const feed = (child: ChildProcess) => {
			if (next >= jobs.length) return release(child);
			const id = next++;
			child.send({ id, job: jobs[id] });
		};
		for (let w = 0; w < Math.min(workers, jobs.length); w++) {
			const child = fork(workerFile, [], {
				execArgv,
				stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
			});
			children.push(child);
			child.on('error', (e) => {
				if (done < jobs.length) reject(e);
			});
			child.on('message', (msg: WorkerMessage<R>) => {
				if (msg === 'ready') return feed(child);
				if (msg.error) {
					children.forEach((c) => c.kill());
					return reject(new Error(`Job ${JSON.stringify(jobs[msg.id])} failed: ${msg.error}`));
				}
				results[msg.id] = msg.result!;
				done++;
				process.stderr.write(`  [${done}/${jobs.length}] ${describe(msg.result!)}\n`);
				if (done === jobs.length) {
					for (const c of children) release(c);
					resolve(results);
				} else feed(child);
			});
			child.on('exit', (code) => {
				if (code && done < jobs.length) reject(new Error(`worker exited with ${code}`));
			});
		}
	});
}
