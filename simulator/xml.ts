/** Minimal XML writer for Exotel v1 responses: <?xml …?><TwilioResponse>…</TwilioResponse>. */

export function escapeXml(value: string): string {
	return value
		.replace(/&/g, '&amp;')
		.replace(/</g, '&lt;')
		.replace(/>/g, '&gt;')
		.replace(/"/g, '&quot;')
		.replace(/'/g, '&apos;');
}

/** Element name for items of an array under `key` ("Calls" -> "Call"). */
function singular(key: string): string {
	return key.endsWith('s') ? key.slice(0, -1) : `${key}Item`;
}

function element(name: string, value: unknown): string {
	if (value === null || value === undefined) return `<${name}></${name}>`;
	if (Array.isArray(value)) {
		const inner = value
			.map((item) => {
				// Items like {Leg:{…}} already carry their element name.
				if (
					item &&
					typeof item === 'object' &&
					!Array.isArray(item) &&
					Object.keys(item).length === 1
				) {
					const [k, v] = Object.entries(item as Record<string, unknown>)[0];
					if (v && typeof v === 'object') return element(k, v);
				}
				return element(singular(name), item);
			})
			.join('');
		return `<${name}>${inner}</${name}>`;
	}
	if (typeof value === 'object') {
		const inner = Object.entries(value as Record<string, unknown>)
			.map(([k, v]) => element(k, v))
			.join('');
		return `<${name}>${inner}</${name}>`;
	}
	return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** Serialises a JSON-shaped body ({Call:{…}}) as Exotel's XML. */
export function toTwilioXml(body: Record<string, unknown>): string {
	const inner = Object.entries(body)
		.map(([k, v]) => element(k, v))
		.join('');
	return `<?xml version="1.0" encoding="UTF-8"?>\n<TwilioResponse>${inner}</TwilioResponse>\n`;
}
