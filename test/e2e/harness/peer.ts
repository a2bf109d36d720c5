/**
 * Which process owns a TCP connection: the simulator records each connect request's client port
 * (ledger.ts peerPort), and this finds the process among `pids` that holds a socket on that local port, from
 * /proc/net/tcp{,6} (port -> socket inode) and /proc/<pid>/fd (socket inodes a process holds). Linux only.
 * Used by queueFull.ts to SIGKILL the worker that is placing calls, not whichever worker comes first.
 */
import fs from 'node:fs';

export function pidOwningLocalPort(port: number, pids: readonly number[]): number | undefined {
	const inodes = socketInodesOnPort(port);
	if (!inodes.size) return undefined;
	for (const pid of pids) {
		for (const inode of socketInodesOf(pid)) if (inodes.has(inode)) return pid;
	}
	return undefined;
}

function socketInodesOnPort(port: number): Set<string> {
	const found = new Set<string>();
	for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
		let text = '';
		try {
			text = fs.readFileSync(table, 'utf8');
		} catch {
			continue;
		}
		// "  sl  local_address rem_address   st tx_queue:rx_queue tr:tm->when retrnsmt   uid  timeout inode"
		for (const line of text.split('\n').slice(1)) {
			const f = line.trim().split(/\s+/);
			if (f.length < 10) continue;
			const localPort = parseInt(f[1].split(':')[1] ?? '', 16);
			if (localPort === port) found.add(f[9]);
		}
	}
	return found;
}

function socketInodesOf(pid: number): string[] {
	let fds: string[] = [];
	try {
		fds = fs.readdirSync(`/proc/${pid}/fd`);
	} catch {
		return [];
	}
	const inodes: string[] = [];
	for (const fd of fds) {
		try {
			const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
			if (m) inodes.push(m[1]);
		} catch {
			// the fd closed meanwhile
		}
	}
	return inodes;
}
