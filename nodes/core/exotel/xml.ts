/**
 * A tiny reader/writer for Exotel's `<TwilioResponse>` XML (v1 endpoints answer XML unless `.json` is used,
 * and some error paths answer XML regardless). It produces the same JSON shape Exotel's `.json` variant has,
 * so mapping code handles both: `<Calls><Call>…</Call></Calls>` -> `Calls: [ {…} ]` and
 * `<Legs><Leg>…</Leg></Legs>` -> `Legs: [ { Leg: {…} } ]`. Leaf values stay strings; empty elements are null.
 * No attributes, namespaces or mixed content — Exotel sends none. No dependency on purpose.
 */

export type XmlValue = string | null | XmlObject | XmlValue[];
export interface XmlObject {
	[key: string]: XmlValue;
}

/** Containers whose children are list items, and whether the JSON keeps each item wrapped in its tag. */
const LIST_CONTAINERS: Record<string, { item: string; wrap: boolean }> = {
	Calls: { item: 'Call', wrap: false },
	Legs: { item: 'Leg', wrap: true },
	incoming_phone_numbers: { item: 'incoming_phone_number', wrap: false },
};

interface XmlElement {
	name: string;
	children: XmlElement[];
	text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeXmlEntities(s: string): string {
	return s.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);/g, (m, e: string) => {
		if (e[0] === '#') {
			const code =
				e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
			return Number.isFinite(code) ? String.fromCodePoint(code) : m;
		}
		return ENTITIES[e] ?? m;
	});
}

export function escapeXml(s: string): string {
	return s
		.replace(/&/g, '&amp;')
		.replace(/</g, '&lt;')
		.replace(/>/g, '&gt;')
		.replace(/"/g, '&quot;')
		.replace(/'/g, '&apos;');
}

class XmlReader {
	private pos = 0;
	constructor(private readonly src: string) {}

	parseDocument(): XmlElement {
		this.skipMisc();
		const root = this.parseElement();
		this.skipMisc();
		if (this.pos < this.src.length)
			throw new Error('Unexpected content after the XML root element');
		return root;
	}

	private skipMisc(): void {
		for (;;) {
			this.skipWs();
			if (this.src.startsWith('<?', this.pos)) this.pos = this.indexOrFail('?>', this.pos) + 2;
			else if (this.src.startsWith('<!--', this.pos))
				this.pos = this.indexOrFail('-->', this.pos) + 3;
			else if (this.src.startsWith('<!DOCTYPE', this.pos))
				this.pos = this.indexOrFail('>', this.pos) + 1;
			else return;
		}
	}

	private skipWs(): void {
		while (this.pos < this.src.length && /\s/.test(this.src[this.pos])) this.pos++;
	}

	private indexOrFail(token: string, from: number): number {
		const i = this.src.indexOf(token, from);
		if (i < 0) throw new Error(`Unterminated XML construct (missing "${token}")`);
		return i;
	}

	private parseElement(): XmlElement {
		if (this.src[this.pos] !== '<') throw new Error(`Expected "<" at position ${this.pos}`);
		const m = /^<([A-Za-z_][\w.:-]*)((?:\s+[^\s=>/]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/.exec(
			this.src.slice(this.pos),
		);
		if (!m) throw new Error(`Malformed XML tag at position ${this.pos}`);
		this.pos += m[0].length;
		const el: XmlElement = { name: m[1], children: [], text: '' };
		if (m[3] === '/') return el;
		for (;;) {
			if (this.pos >= this.src.length) throw new Error(`Unclosed XML element <${el.name}>`);
			if (this.src.startsWith('</', this.pos)) {
				const close = /^<\/([A-Za-z_][\w.:-]*)\s*>/.exec(this.src.slice(this.pos));
				if (!close || close[1] !== el.name)
					throw new Error(`Mismatched closing tag for <${el.name}>`);
				this.pos += close[0].length;
				return el;
			}
			if (this.src.startsWith('<!--', this.pos)) {
				this.pos = this.indexOrFail('-->', this.pos) + 3;
			} else if (this.src.startsWith('<![CDATA[', this.pos)) {
				const end = this.indexOrFail(']]>', this.pos);
				el.text += this.src.slice(this.pos + 9, end);
				this.pos = end + 3;
			} else if (this.src[this.pos] === '<') {
				el.children.push(this.parseElement());
			} else {
				const next = this.src.indexOf('<', this.pos);
				const end = next < 0 ? this.src.length : next;
				el.text += decodeXmlEntities(this.src.slice(this.pos, end));
				this.pos = end;
			}
		}
	}
}

function toValue(el: XmlElement): XmlValue {
	const list = LIST_CONTAINERS[el.name];
	if (list) {
		const items = el.children.filter((c) => c.name === list.item);
		if (items.length > 0 || el.children.length === 0) {
			return items.map((c) => (list.wrap ? { [c.name]: toValue(c) } : toValue(c)));
		}
	}
	if (el.children.length === 0) {
		const text = el.text.trim();
		return text === '' ? null : text;
	}
	return childrenToObject(el.children);
}

function childrenToObject(children: XmlElement[]): XmlObject {
	const obj: XmlObject = {};
	for (const c of children) {
		const v = toValue(c);
		if (Object.prototype.hasOwnProperty.call(obj, c.name)) {
			const prev = obj[c.name];
			// A repeated tag becomes an array; we remember which keys we turned into arrays ourselves.
			if (Array.isArray(prev) && repeated.has(prev)) prev.push(v);
			else {
				const arr = [prev, v];
				repeated.add(arr);
				obj[c.name] = arr;
			}
		} else obj[c.name] = v;
	}
	return obj;
}

const repeated = new WeakSet<XmlValue[]>();

/** Parses any XML document into nested objects; the root element's name is kept as the top key. */
export function parseXml(xml: string): XmlObject {
	const root = new XmlReader(xml).parseDocument();
	return { [root.name]: toValue(root) };
}

/** Parses a `<TwilioResponse>` document into the JSON shape of the `.json` variant (root unwrapped). */
export function parseTwilioResponse(xml: string): XmlObject {
	const doc = parseXml(xml);
	const [rootName] = Object.keys(doc);
	const inner = doc[rootName];
	if (rootName !== 'TwilioResponse') return doc;
	if (inner === null) return {};
	if (typeof inner !== 'object' || Array.isArray(inner)) return { value: inner };
	return inner;
}

export function looksLikeXml(body: unknown): boolean {
	return typeof body === 'string' && /^\s*</.test(body);
}

function writeValue(key: string, value: unknown, out: string[]): void {
	if (Array.isArray(value)) {
		const list = LIST_CONTAINERS[key];
		if (list) {
			out.push(`<${key}>`);
			for (const item of value) {
				const inner =
					list.wrap && item && typeof item === 'object' && list.item in (item as object)
						? (item as Record<string, unknown>)[list.item]
						: item;
				writeValue(list.item, inner, out);
			}
			out.push(`</${key}>`);
		} else for (const item of value) writeValue(key, item, out);
		return;
	}
	if (value === null || value === undefined) {
		out.push(`<${key}></${key}>`);
	} else if (typeof value === 'object') {
		out.push(`<${key}>`);
		for (const [k, v] of Object.entries(value as Record<string, unknown>)) writeValue(k, v, out);
		out.push(`</${key}>`);
	} else {
		out.push(`<${key}>${escapeXml(String(value))}</${key}>`);
	}
}

/** `{ Call: {…} }` -> `<?xml …?><TwilioResponse><Call>…</Call></TwilioResponse>` (inverse of parseTwilioResponse). */
export function toTwilioResponseXml(body: Record<string, unknown>): string {
	const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
	writeValue('TwilioResponse', body, out);
	return out.join('');
}
