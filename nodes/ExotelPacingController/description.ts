/** Parameters of the Exotel Pacing Controller. Settings live on the Release node; the other operations reuse them. */
import type { INodeProperties } from 'n8n-workflow';

import { optionsCollection } from '../shared/properties';

const onRelease = { show: { operation: ['release'] } };
const onRecord = { show: { operation: ['recordOutcome'] } };
const onWebhookCallback = { show: { operation: ['recordOutcome'], input: ['webhookCallback'] } };
const onDashboard = { show: { operation: ['getDashboard'] } };
const onControl = { show: { operation: ['dashboardControl'] } };

export const operationProperty: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	default: 'release',
	options: [
		{
			name: 'Dashboard Control',
			value: 'dashboardControl',
			action: 'Pause or resume from the dashboard',
			description:
				"The dashboard's Pause / Resume buttons: checks the secret the person typed, then pauses or resumes",
		},
		{
			name: 'Get Dashboard',
			value: 'getDashboard',
			action: 'Get the campaign dashboard',
			description: 'The stats as a live HTML page (field html) for Respond to Webhook',
		},
		{
			name: 'Get Stats',
			value: 'getStats',
			action: 'Get campaign stats',
			description: 'Totals and a per-circle table',
		},
		{
			name: 'Load State',
			value: 'loadState',
			action: 'Load the campaign from a data table row',
			description:
				'Queue mode: puts the campaign saved in a Data table row (field State Field) into this run, for the Pacing nodes after it',
		},
		{
			name: 'Pause',
			value: 'pause',
			action: 'Pause the campaign',
			description: 'Stop releasing calls; calls in progress finish',
		},
		{
			name: 'Record Outcome',
			value: 'recordOutcome',
			action: 'Record call outcomes',
			description:
				'Count status callbacks, Call Details or Connect Call answers; returns what to write back',
		},
		{
			name: 'Release',
			value: 'release',
			action: 'Release contacts to dial',
			description: 'Decide which contacts to call now, with a reason for the others',
		},
		{
			name: 'Reset',
			value: 'reset',
			action: 'Reset the campaign',
			description: 'Forget the campaign state (counters, breakers, calls in flight)',
		},
		{
			name: 'Resume',
			value: 'resume',
			action: 'Resume the campaign',
			description: 'Release calls again after a pause',
		},
		{
			name: 'Save State',
			value: 'saveState',
			action: 'Save the campaign to a data table row',
			description:
				'Queue mode: returns the campaign as this run left it (field state), for a Data table row that the next run loads',
		},
	],
};

export const campaignProperty: INodeProperties = {
	displayName: 'Campaign',
	name: 'campaign',
	type: 'string',
	default: 'campaign-1',
	required: true,
	description:
		'Name of the campaign. Use the same name on every Pacing Controller node of one campaign; several campaigns can share a workflow.',
};

const contactFields: INodeProperties[] = [
	{
		displayName:
			'Each contact item must carry its own history (attempts, last status, times) from your sheet. Map the columns below; the defaults match the fields this package writes back.',
		name: 'contactNotice',
		type: 'notice',
		default: '',
		displayOptions: onRelease,
	},
	{
		displayName: 'Phone Number',
		name: 'phoneNumber',
		type: 'string',
		default: '={{ $json.phoneNumber }}',
		required: true,
		displayOptions: onRelease,
		description: 'The number to call, in any Indian format',
	},
	{
		displayName: 'Circle',
		name: 'circle',
		type: 'string',
		default: '={{ $json.circle }}',
		displayOptions: onRelease,
		description: 'Telecom circle code from Exotel Number Lookup (e.g. MH)',
	},
	{
		displayName: 'DND',
		name: 'dnd',
		type: 'string',
		default: '={{ $json.dnd }}',
		displayOptions: onRelease,
		description:
			'Whether the number is on the DND (NCPR) list: true/false, yes/no, or "unavailable" (unknown: held unless DND numbers are allowed)',
	},
	{
		displayName: 'Attempts',
		name: 'attempts',
		type: 'string',
		default: '={{ $json.attempts }}',
		displayOptions: onRelease,
		description: 'Calls made to this contact so far (empty = 0)',
	},
	{
		displayName: 'Last Status',
		name: 'lastStatus',
		type: 'string',
		default: '={{ $json.lastStatus }}',
		displayOptions: onRelease,
		description: 'Status of the last call (completed, busy, no-answer, failed, in-progress …)',
	},
	{
		displayName: 'Last Attempt At',
		name: 'lastAttemptAt',
		type: 'string',
		default: '={{ $json.lastAttemptAt }}',
		displayOptions: onRelease,
		description: 'When the last call was placed (ISO date or epoch ms)',
	},
	{
		displayName: 'Next Retry At',
		name: 'nextRetryAt',
		type: 'string',
		default: '={{ $json.nextRetryAt }}',
		displayOptions: onRelease,
		description: 'Earliest time for the next call, as written back by Record Outcome',
	},
	{
		displayName: 'Last Call SID',
		name: 'lastCallSid',
		type: 'string',
		default: '={{ $json.lastCallSid }}',
		displayOptions: onRelease,
		description: 'Exotel CallSid of the last call',
	},
	{
		displayName: 'Refunded',
		name: 'refunded',
		type: 'string',
		default: '={{ $json.refunded }}',
		displayOptions: onRelease,
		description: 'Whether the last attempt was refunded (a circle outage)',
	},
];

const settingsCollection: INodeProperties = {
	displayName: 'Pacing Settings',
	name: 'settings',
	type: 'collection',
	placeholder: 'Add Setting',
	default: {},
	displayOptions: onRelease,
	description: 'Saved with the campaign; Record Outcome and Get Stats use them too',
	options: [
		{
			displayName: 'Account Limit (Requests per Minute)',
			name: 'accountLimitPerMinute',
			type: 'number',
			default: 200,
			description: "Exotel's Voice API limit for your account",
		},
		{
			displayName: 'Allow DND Numbers',
			name: 'allowDnd',
			type: 'boolean',
			default: false,
			description:
				'Whether to call DND numbers (only for transactional calls your account may place to them)',
		},
		{
			displayName: 'Call Numbers With Unknown DND',
			name: 'callDndUnavailable',
			type: 'boolean',
			default: false,
			description:
				'Whether to call numbers whose DND status Exotel could not give ("Unavailable") or whose DND cell is neither yes nor no. Off: they are held like DND numbers, with their own reason.',
		},
		{
			displayName: 'Calling Days',
			name: 'callingDays',
			type: 'multiOptions',
			default: [1, 2, 3, 4, 5, 6, 7],
			options: [
				{ name: 'Friday', value: 5 },
				{ name: 'Monday', value: 1 },
				{ name: 'Saturday', value: 6 },
				{ name: 'Sunday', value: 7 },
				{ name: 'Thursday', value: 4 },
				{ name: 'Tuesday', value: 2 },
				{ name: 'Wednesday', value: 3 },
			],
		},
		{
			displayName: 'Calling Window End (IST)',
			name: 'callingEnd',
			type: 'string',
			default: '21:00',
			description: 'HH:mm in India time; no call starts at or after it',
		},
		{
			displayName: 'Calling Window Start (IST)',
			name: 'callingStart',
			type: 'string',
			default: '09:00',
			description: 'HH:mm in India time',
		},
		{
			displayName: 'Circle Breaker Cooldown (Seconds)',
			name: 'cooldownSeconds',
			type: 'number',
			default: 120,
			description:
				'How long a circle that looks down is paused before a few probe calls test it (doubles on each failed probe)',
		},
		{
			displayName: 'Max Attempts per Contact',
			name: 'maxAttempts',
			type: 'number',
			default: 3,
			description: 'Counting the first call; attempts lost to a circle outage are refunded',
		},
		{
			displayName: 'Max Call Length (Seconds)',
			name: 'maxCallSeconds',
			type: 'number',
			default: 600,
			description:
				"The TimeLimit you give Connect Call; used to judge when a call's outcome is overdue",
		},
		{
			displayName: 'Max Calls in Flight',
			name: 'maxInFlight',
			type: 'number',
			default: 250,
			description: "Calls live at once; set it to your Exotel plan's concurrency",
		},
		{
			displayName: 'Max Calls per Minute',
			name: 'maxCallsPerMinute',
			type: 'number',
			default: 0,
			description:
				'A lower dialling rate than the account allows (0 = as fast as the limit allows)',
		},
		{
			displayName: 'Probe Calls',
			name: 'probeCalls',
			type: 'number',
			default: 3,
			description:
				'Test calls released at once into a paused circle after its cooldown. One answered call resumes the circle; calls that reach nobody pause it again only when a healthy circle would rarely give the same (2 failed calls, or about 7 that ring out), up to 4 × this number per round.',
		},
		{
			displayName: 'Queue Mode (Several Workers)',
			name: 'queueMode',
			type: 'boolean',
			default: false,
			description:
				'Whether this workflow runs in n8n queue mode with more than one worker. Then every run reads the campaign from the workflow\'s saved data instead of keeping it in memory; the workflow must let one tick run at a time and put status callbacks into a Data table (example 03, README "Running at scale").',
		},
		{
			displayName: 'Refund Outage Attempts',
			name: 'refundOutageAttempts',
			type: 'boolean',
			default: true,
			description:
				'Whether failed or unanswered calls into a circle that turns out to be down do not count against the contact',
		},
		{
			displayName: 'Reserve for Reconciliation (per Minute)',
			name: 'reserveForReconciliation',
			type: 'number',
			default: 10,
			description: 'Requests per minute kept free for Call Details lookups of lost callbacks',
		},
		{
			displayName: 'Retry Gap After Busy (Minutes)',
			name: 'retryBusyMinutes',
			type: 'number',
			default: 30,
		},
		{
			displayName: 'Retry Gap After Failed (Minutes)',
			name: 'retryFailedMinutes',
			type: 'number',
			default: 10,
		},
		{
			displayName: 'Retry Gap After No Answer (Minutes)',
			name: 'retryNoAnswerMinutes',
			type: 'number',
			default: 60,
		},
		{
			displayName: 'Ring Timeout (Seconds)',
			name: 'ringTimeoutSeconds',
			type: 'number',
			default: 45,
			description: 'The TimeOut you give Connect Call',
		},
		{
			displayName: 'Slow Degraded Circles',
			name: 'slowDegradedCircles',
			type: 'boolean',
			default: true,
			description:
				'Whether a circle whose completion is clearly below the other circles gets a smaller share before it is paused',
		},
		{
			displayName: 'Slow Whole Campaign Below Target',
			name: 'throttleWhenAllBelowTarget',
			type: 'boolean',
			default: false,
			description:
				"Whether to lower the whole campaign's rate when completion across all circles is below the target (the seed's rule)",
		},
		{
			displayName: 'Target Completion %',
			name: 'targetCompletionPct',
			type: 'number',
			default: 0,
			description: 'Completion you aim for; circles below it are flagged in stats (0 = no target)',
		},
		{
			displayName: 'Tick Interval (Seconds)',
			name: 'tickSeconds',
			type: 'number',
			default: 15,
			description:
				'How often your Schedule trigger runs Release; each release spreads its calls over this span',
		},
		{
			displayName: 'Verification Calls per Minute',
			name: 'verifyCallsPerMinute',
			type: 'number',
			default: 12,
			description:
				'While a circle shows a run of failures, at least this many of its own contacts are called per minute so a real outage is confirmed quickly (0 = off)',
		},
	],
};

export const properties: INodeProperties[] = [
	operationProperty,
	campaignProperty,
	...contactFields,
	settingsCollection,
	{
		displayName: 'State Field',
		name: 'stateField',
		type: 'string',
		default: 'state',
		displayOptions: { show: { operation: ['loadState'] } },
		description:
			"Field of the first input item holding the campaign as Save State returned it (e.g. the Data table row's state column); empty starts the campaign afresh",
	},
	{
		displayName: 'Reconcile With Exotel',
		name: 'reconcile',
		type: 'boolean',
		default: true,
		displayOptions: onRelease,
		description:
			'Whether to look up calls whose status callback is overdue with Exotel Call Details (needs the Exotel credential) and count their outcomes (their rows are written through the Row Updates output)',
	},
	{
		displayName: 'Rows Read Each Run',
		name: 'rowsRead',
		type: 'options',
		default: 'everyRow',
		displayOptions: onRelease,
		options: [
			{
				name: 'Every Row',
				value: 'everyRow',
				description: 'Each run reads the whole list (e.g. a Google Sheet)',
			},
			{
				name: 'Only Rows Due (Check At)',
				value: 'dueRows',
				description:
					"Each run reads the new rows and the rows whose Check At time has come (e.g. from an n8n Data table, for lists of 100,000 rows). Every output item then carries pacing.checkAt: write it to the row's checkAt column (empty = leave it as it is).",
			},
		],
		description:
			"How the workflow reads the contact list. With Only Rows Due, every row this run read or wrote gets the time it must be read again (pacing.checkAt, epoch ms); Not Now carries the held contacts whose row gets a new checkAt (a row that keeps its own, e.g. held only because this run's calls are spent, is left out: nothing to write).",
	},
	{
		displayName: 'Not Now Output',
		name: 'notNowOutput',
		type: 'options',
		default: 'everyContact',
		displayOptions: { show: { operation: ['release'], rowsRead: ['everyRow'] } },
		options: [
			{
				name: 'Every Contact Not Dialled',
				value: 'everyContact',
				description:
					'Each contact held this run, with its reason and retry time: the execution shows why a contact waits. Heavy for lists over about 10,000 rows.',
			},
			{
				name: 'Only Contacts Newly Finished',
				value: 'newlyFinal',
				description:
					'Only contacts held for good (completed, DND, every attempt used, no usable number) whose Final field does not say true yet: the rows to mark final. For large lists.',
			},
		],
		description: 'What the "Not Now" output carries',
	},
	{
		displayName: 'Final',
		name: 'rowFinal',
		type: 'string',
		default: '={{ $json.final }}',
		displayOptions: {
			show: { operation: ['release'], rowsRead: ['everyRow'], notNowOutput: ['newlyFinal'] },
		},
		description:
			"The row's Final column: a row that already says true is left off the Not Now output",
	},
	{
		displayName:
			'Connect the items of Connect Call (registers the calls), Exotel Status Trigger, Call Details, or (Input below) a Webhook node receiving the status callbacks. Counted calls and registrations go to "Counted"; duplicates and live updates go to "No Change". Their rows are written by the next Release (its "Row Updates" output), never here, so a late write cannot overtake a newer one.',
		name: 'recordNotice',
		type: 'notice',
		default: '',
		displayOptions: onRecord,
	},
	{
		displayName: 'Input',
		name: 'input',
		type: 'options',
		noDataExpression: true,
		default: 'statusEvents',
		displayOptions: onRecord,
		options: [
			{
				name: 'Exotel Callback From a Webhook Node',
				value: 'webhookCallback',
				description:
					"Items of n8n's Webhook node that received Exotel's status callback: checked and read here as the Exotel Status Trigger would",
			},
			{
				name: 'Status Trigger Events',
				value: 'statusEvents',
				description: 'Items of Connect Call, Exotel Status Trigger or Call Details',
			},
		],
	},
	{
		displayName:
			"Webhook node: HTTP Method POST, Respond Immediately, no expressions in its parameters. Exotel's Status Callback (in Connect Call): the Webhook's Production URL + ?secret=YOUR_SECRET. Callbacks without the secret, not Exotel's, or left out by Events count nothing and go to \"No Change\" (ignored: true, reason).",
		name: 'webhookCallbackNotice',
		type: 'notice',
		default: '',
		displayOptions: onWebhookCallback,
	},
	{
		displayName: 'Callback Secret',
		name: 'callbackSecret',
		type: 'string',
		typeOptions: { password: true },
		required: true,
		default: '',
		placeholder: 'e.g. 7f3a9c2e5b8d41f6a0c4e9b2',
		displayOptions: onWebhookCallback,
		description:
			'As the Exotel Status Trigger\'s Secret: a random string of at least 16 characters, e.g. from openssl rand -hex 24 (example values are refused). Callbacks must send it as the query parameter "secret" (or the header "X-Exotel-Secret").',
	},
	{
		displayName: 'Events',
		name: 'events',
		type: 'options',
		displayOptions: onWebhookCallback,
		options: [
			{
				name: 'Answered Too',
				value: 'answeredToo',
				description:
					'Also take "answered" callbacks (one per leg that picks up; they record no outcome), if Connect Call subscribed to them',
			},
			{
				name: 'Terminal Only',
				value: 'terminal',
				description:
					'Take each call once, when it ends (completed, busy, no-answer, failed, canceled)',
			},
		],
		default: 'terminal',
		description: 'Which callbacks are taken; the others go to "No Change" as ignored',
	},
	{
		displayName:
			'Wire Webhook (GET) -> this node -> Respond to Webhook (Respond With: Text, Response Body {{ $json.html }}, header Content-Type: text/html). The page refreshes itself.',
		name: 'dashboardNotice',
		type: 'notice',
		default: '',
		displayOptions: onDashboard,
	},
	{
		displayName: 'Pause / Resume URL',
		name: 'dashboardActionUrl',
		type: 'string',
		default: '',
		displayOptions: onDashboard,
		placeholder: 'https://n8n.example.com/webhook/campaign-control',
		description:
			'Where the Pause / Resume buttons POST: your webhook (POST) into a Pacing Controller "Dashboard Control", e.g. /webhook/campaign-control (a path works: the page is served by the same n8n). The page POSTs the form fields action (pause or resume), campaign and secret, which the person types in; the page never holds it. Empty = no buttons.',
	},
	{
		displayName:
			"Answers the dashboard's Pause / Resume form (a Webhook, POST). Connect a Respond to Webhook after it: Response Code {{ $json.statusCode }}, Respond With Text {{ $json.message }}.",
		name: 'controlNotice',
		type: 'notice',
		default: '',
		displayOptions: onControl,
	},
	{
		displayName: 'Secret',
		name: 'controlSecret',
		type: 'string',
		typeOptions: { password: true },
		default: '',
		required: true,
		displayOptions: onControl,
		description:
			'What a person must type on the dashboard to pause or resume. At least 16 characters; make one with openssl rand -hex 24.',
	},
	{
		displayName: 'Secret Typed',
		name: 'givenSecret',
		type: 'string',
		typeOptions: { password: true },
		default: '={{ $json.body.secret }}',
		displayOptions: onControl,
		description: "The secret from the dashboard's form (the Webhook's body field secret)",
	},
	{
		displayName: 'Action',
		name: 'controlAction',
		type: 'string',
		default: '={{ $json.body.action }}',
		displayOptions: onControl,
		description: "Pause or resume, from the dashboard's form (the Webhook's body field action)",
	},
	{
		displayName: 'Only Check the Request',
		name: 'checkOnly',
		type: 'boolean',
		default: false,
		displayOptions: onControl,
		description:
			'Whether to check the secret and the action and change nothing. Put such a node before a lock (example 3), so that a wrong secret is refused at once; a second Dashboard Control after the lock makes the change.',
	},
	{
		displayName: 'Refresh Every (Seconds)',
		name: 'refreshSeconds',
		type: 'number',
		default: 5,
		typeOptions: { minValue: 2 },
		displayOptions: onDashboard,
	},
	optionsCollection([
		{
			displayName: 'Current Time',
			name: 'currentTime',
			type: 'string',
			default: '',
			description:
				"Use this time instead of the real clock (ISO date or epoch ms), e.g. the Exotel simulator's virtual clock. Leave empty in production.",
		},
	]),
];
