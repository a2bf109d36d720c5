/**
 * Test-only TLS material for the Google emulator, made at run time with the `openssl` CLI (Node has no API to
 * create X.509 certificates). A fresh CA (1 day) signs one server certificate whose subjectAltName lists every
 * emulated Google host plus localhost/127.0.0.1. Nothing is committed and nothing outlives the run: the files live
 * in a private temp dir that `cleanup()` removes (start() registers it with the emulator's stop()).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const GOOGLE_HOSTS = [
	'sheets.googleapis.com',
	'oauth2.googleapis.com',
	'www.googleapis.com',
	'accounts.google.com',
] as const;

export interface TestCerts {
	dir: string;
	/** PEM of the CA: give it to n8n as NODE_EXTRA_CA_CERTS (path: caFile). */
	caPem: string;
	caFile: string;
	keyPem: string;
	certPem: string;
	cleanup(): void;
}

export function opensslAvailable(): boolean {
	try {
		execFileSync('openssl', ['version'], { stdio: 'pipe' });
		return true;
	} catch {
		return false;
	}
}

export function generateTestCerts(hosts: readonly string[] = GOOGLE_HOSTS): TestCerts {
	if (!opensslAvailable()) {
		throw new Error(
			'openssl CLI not found: the Google emulator makes its test CA with it (Debian: apt-get install openssl)',
		);
	}
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'google-emu-tls-'));
	const f = (n: string) => path.join(dir, n);
	const ossl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
	try {
		ossl([
			'req',
			'-x509',
			'-newkey',
			'rsa:2048',
			'-nodes',
			'-keyout',
			f('ca.key'),
			'-out',
			f('ca.pem'),
			'-days',
			'1',
			'-subj',
			'/CN=n8n-nodes-exotel Google emulator test CA',
			'-addext',
			'basicConstraints=critical,CA:TRUE',
			'-addext',
			'keyUsage=critical,keyCertSign,cRLSign',
		]);
		ossl([
			'req',
			'-newkey',
			'rsa:2048',
			'-nodes',
			'-keyout',
			f('server.key'),
			'-out',
			f('server.csr'),
			'-subj',
			`/CN=${hosts[0]}`,
		]);
		const san = [...hosts.map((h) => `DNS:${h}`), 'DNS:localhost', 'IP:127.0.0.1'].join(',');
		fs.writeFileSync(
			f('ext.cnf'),
			`subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`,
		);
		ossl([
			'x509',
			'-req',
			'-in',
			f('server.csr'),
			'-CA',
			f('ca.pem'),
			'-CAkey',
			f('ca.key'),
			'-CAcreateserial',
			'-out',
			f('server.pem'),
			'-days',
			'1',
			'-sha256',
			'-extfile',
			f('ext.cnf'),
		]);
		fs.rmSync(f('ca.key')); // nobody can sign anything else with this CA
	} catch (e) {
		fs.rmSync(dir, { recursive: true, force: true });
		const err = e as { stderr?: Buffer };
		throw new Error(
			`openssl failed: ${(e as Error).message}${err.stderr ? `\n${err.stderr.toString()}` : ''}`,
		);
	}
	return {
		dir,
		caFile: f('ca.pem'),
		caPem: fs.readFileSync(f('ca.pem'), 'utf8'),
		keyPem: fs.readFileSync(f('server.key'), 'utf8'),
		certPem: fs.readFileSync(f('server.pem'), 'utf8'),
		cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
	};
}
