/*
 * Preload for the process under test (n8n): NODE_OPTIONS="--require <this file>".
 * Sends every TCP connection to an emulated Google host (GOOGLE_EMULATOR_HOSTS, port 443) to the emulator at
 * GOOGLE_EMULATOR_ADDR:GOOGLE_EMULATOR_PORT instead. Only the socket's destination changes: TLS still sends
 * SNI = the Google host name and verifies the emulator's certificate for that name against the CA given in
 * NODE_EXTRA_CA_CERTS, exactly as it would verify Google's. /etc/hosts and the system are untouched; the effect
 * ends with the process. Node built-ins only (this runs inside n8n's Node, which may be 20 or 24).
 */
'use strict';
const net = require('net');
const dns = require('dns');

const port = Number(process.env.GOOGLE_EMULATOR_PORT);
const addr = process.env.GOOGLE_EMULATOR_ADDR || '127.0.0.1';
const hosts = new Set(
	String(
		process.env.GOOGLE_EMULATOR_HOSTS ||
			'sheets.googleapis.com,oauth2.googleapis.com,www.googleapis.com,accounts.google.com',
	)
		.split(',')
		.map((h) => h.trim().toLowerCase())
		.filter(Boolean),
);
const debug = process.env.GOOGLE_EMULATOR_DEBUG === '1';

function isOurs(host) {
	return typeof host === 'string' && hosts.has(host.toLowerCase().replace(/\.$/, ''));
}

if (port > 0 && !global.__googleEmulatorPreload) {
	global.__googleEmulatorPreload = { port, addr, hosts: [...hosts] };

	function rewrite(options) {
		if (!options || typeof options !== 'object' || !isOurs(options.host)) return options;
		const p =
			options.port === undefined || options.port === null || options.port === ''
				? 443
				: Number(options.port);
		if (p !== 443) return options; // plain http to a Google host is not emulated
		if (debug)
			process.stderr.write(`[google-emulator preload] ${options.host}:443 -> ${addr}:${port}\n`);
		return { ...options, host: addr, port, lookup: undefined };
	}

	const origConnect = net.Socket.prototype.connect;
	net.Socket.prototype.connect = function patchedConnect(...args) {
		// net.createConnection passes an already normalised [options, cb] array (tagged with an internal symbol)
		if (Array.isArray(args[0])) {
			const arr = args[0];
			const rewritten = rewrite(arr[0]);
			if (rewritten !== arr[0]) arr[0] = rewritten;
		} else if (args[0] && typeof args[0] === 'object') {
			args[0] = rewrite(args[0]);
		} else if (
			(typeof args[0] === 'number' || typeof args[0] === 'string') &&
			isOurs(args[1]) &&
			Number(args[0]) === 443
		) {
			args[0] = port;
			args[1] = addr;
		}
		return origConnect.apply(this, args);
	};

	// Anything that resolves the names itself gets loopback (never a real Google address).
	const origLookup = dns.lookup;
	dns.lookup = function patchedLookup(hostname, options, callback) {
		if (isOurs(hostname)) {
			if (typeof options === 'function') {
				callback = options;
				options = {};
			}
			const opts = typeof options === 'number' ? { family: options } : options || {};
			const family = addr.includes(':') ? 6 : 4;
			process.nextTick(() =>
				opts.all ? callback(null, [{ address: addr, family }]) : callback(null, addr, family),
			);
			return {};
		}
		return origLookup.apply(this, arguments);
	};
	if (dns.promises && dns.promises.lookup) {
		const origP = dns.promises.lookup;
		dns.promises.lookup = async function patchedPromisesLookup(hostname, options) {
			if (isOurs(hostname)) {
				const family = addr.includes(':') ? 6 : 4;
				return options && options.all ? [{ address: addr, family }] : { address: addr, family };
			}
			return origP.apply(this, arguments);
		};
	}
}
