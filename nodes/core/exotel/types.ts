/**
 * Exotel wire types: the JSON exactly as Exotel sends it (docs/exotel-api.md §2–§7).
 * Note the inconsistencies we must keep: `Duration`/`Price` are strings, `ConversationDuration`/`OnCallDuration`
 * numbers; absent values are `null` in JSON but may be `""` or the literal `"null"` in callbacks and XML.
 */

export type ExotelCallStatus =
	| 'queued'
	| 'ringing'
	| 'in-progress'
	| 'completed'
	| 'failed'
	| 'busy'
	| 'no-answer'
	| 'canceled';

export const CALL_STATUSES: readonly ExotelCallStatus[] = [
	'queued',
	'ringing',
	'in-progress',
	'completed',
	'failed',
	'busy',
	'no-answer',
	'canceled',
];

/** Statuses after which nothing more happens to a call. */
export const TERMINAL_STATUSES: readonly ExotelCallStatus[] = [
	'completed',
	'failed',
	'busy',
	'no-answer',
	'canceled',
];

export type Nullable<T> = T | null;

/** `{ "Leg": { "Id": 1, "OnCallDuration": 21 } }` — one element of `Details.Legs`. */
export interface ExotelDetailsLeg {
	Leg: { Id: number | string; OnCallDuration: number | string | null; [k: string]: unknown };
}

export interface ExotelCallDetailsBlock {
	ConversationDuration: number | string | null;
	Leg1Status: Nullable<string>;
	Leg2Status: Nullable<string>;
	Legs?: ExotelDetailsLeg[];
}

/** The `Call` object of Connect, single Call Details and each element of bulk `Calls`. */
export interface ExotelCall {
	Sid: string;
	ParentCallSid: Nullable<string>;
	DateCreated: Nullable<string>;
	DateUpdated: Nullable<string>;
	AccountSid: Nullable<string>;
	To: Nullable<string>;
	From: Nullable<string>;
	/** The ExoPhone used as caller id. */
	PhoneNumberSid: Nullable<string>;
	Status: ExotelCallStatus | string;
	StartTime: Nullable<string>;
	EndTime: Nullable<string>;
	/** Seconds, as a string ("17"). */
	Duration: Nullable<string>;
	/** Rupees, as a string ("1.500"). */
	Price: Nullable<string>;
	Direction: Nullable<string>;
	AnsweredBy: Nullable<string>;
	ForwardedFrom?: Nullable<string>;
	CallerName?: Nullable<string>;
	Uri?: Nullable<string>;
	RecordingUrl: Nullable<string>;
	/** Only with `details=true`. */
	Details?: ExotelCallDetailsBlock;
}

export interface ExotelCallResponse {
	Call: ExotelCall;
}

export interface ExotelBulkMetadata {
	Total?: number;
	PageSize?: number;
	FirstPageUri?: Nullable<string>;
	PrevPageUri?: Nullable<string>;
	NextPageUri?: Nullable<string>;
}

export interface ExotelBulkCallsResponse {
	Metadata: ExotelBulkMetadata;
	Calls: ExotelCall[];
}

/** Number metadata (`GET …/Numbers/<n>.json`). */
export interface ExotelNumberMetadata {
	PhoneNumber: string;
	Circle: Nullable<string>;
	CircleName: Nullable<string>;
	/** `Mobile` | `Landline` */
	Type: Nullable<string>;
	Operator: Nullable<string>;
	OperatorName: Nullable<string>;
	/** `Yes` | `No` | `Unavailable` */
	DND: Nullable<string>;
}

export interface ExotelNumbersResponse {
	Numbers: ExotelNumberMetadata;
}

export interface ExotelRestException {
	Status?: number | string;
	Message?: string;
	Code?: number | string;
	[k: string]: unknown;
}

export interface ExotelErrorResponse {
	RestException: ExotelRestException;
}

/** One ExoPhone in the v2_beta IncomingPhoneNumbers list. */
export interface ExotelIncomingPhoneNumber {
	sid: string;
	/** E.164 `+91…` */
	phone_number: string;
	/** 0-prefixed national form; what Exotel expects as CallerId. */
	friendly_name: string;
	capabilities?: { voice?: boolean; sms?: boolean };
	country?: string;
	/** Circle code (e.g. `DL`). */
	region?: Nullable<string>;
	voice_url?: Nullable<string>;
	sms_url?: Nullable<string>;
	[k: string]: unknown;
}

export interface ExotelIncomingPhoneNumbersPage {
	page: number;
	page_size: number;
	uri?: string;
	first_page_uri?: Nullable<string>;
	next_page_uri?: Nullable<string>;
	previous_page_uri?: Nullable<string>;
	incoming_phone_numbers: ExotelIncomingPhoneNumber[];
}

export interface ExotelCallbackLeg {
	Status?: Nullable<string>;
	OnCallDuration?: number | string | null;
	AnsweredBy?: Nullable<string>;
	[k: string]: unknown;
}

/**
 * A StatusCallback body after n8n parsed it. JSON mode has `Legs` as an array; form modes (multipart default,
 * urlencoded) have flat keys `Legs[0][Status]`, `Legs[0][OnCallDuration]`. Values are strings in form modes.
 */
export interface ExotelStatusCallbackRaw {
	CallSid: string;
	Status: string;
	EventType?: 'terminal' | 'answered' | string;
	DateCreated?: Nullable<string>;
	DateUpdated?: Nullable<string>;
	To?: Nullable<string>;
	From?: Nullable<string>;
	PhoneNumberSid?: Nullable<string>;
	StartTime?: Nullable<string>;
	EndTime?: Nullable<string>;
	ConversationDuration?: number | string | null;
	Direction?: Nullable<string>;
	CustomField?: Nullable<string>;
	RecordingUrl?: Nullable<string>;
	Legs?: ExotelCallbackLeg[];
	[k: string]: unknown;
}
