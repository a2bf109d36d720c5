import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import { asNodeError, failedItem } from '../shared/errors';
import { checkOption } from '../shared/options';

import { executeCampaignOperation } from './actions/campaign';
import { executeDashboardControl } from './actions/control';
import { executeGetDashboard } from './actions/dashboard';
import { executeRecordOutcome } from './actions/recordOutcome';
import { executeRelease } from './actions/release';
import { executeLoadState, executeSaveState } from './actions/stateTransfer';
import { properties } from './description';
import { withWorkflowLock } from './memory';
import { warnIfManual, workflowIdOf } from './store';

const OPERATIONS = [
	'dashboardControl',
	'getDashboard',
	'getStats',
	'loadState',
	'pause',
	'recordOutcome',
	'release',
	'reset',
	'resume',
	'saveState',
] as const;

export class ExotelPacingController implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Exotel Pacing Controller',
		name: 'exotelPacingController',
		icon: { light: 'file:../../icons/exotel.svg', dark: 'file:../../icons/exotel.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["campaign"]}}',
		description:
			'Decides who to call now from the completion % and each circle’s health, and keeps the campaign state in the workflow',
		defaults: { name: 'Exotel Pacing Controller' },
		inputs: [NodeConnectionTypes.Main],
		// Release: Dial Now / Not Now / Row Updates. Record Outcome: Counted / No Change.
		outputs: `={{ $parameter["operation"] === "release" ? [{ "type": "main", "displayName": "Dial Now" }, { "type": "main", "displayName": "Not Now" }, { "type": "main", "displayName": "Row Updates" }] : $parameter["operation"] === "recordOutcome" ? [{ "type": "main", "displayName": "Counted" }, { "type": "main", "displayName": "No Change" }] : ["main"] }}`,
		usableAsTool: true,
		credentials: [
			{
				name: 'exotelApi',
				required: true,
				displayOptions: { show: { operation: ['release'], reconcile: [true] } },
			},
		],
		properties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const operation = checkOption(
			this.getNode(),
			'Operation',
			this.getNodeParameter('operation', 0),
			OPERATIONS,
			0,
		);
		const manual = warnIfManual(this);
		if (this.getNode().type.endsWith('Tool') && operation !== 'getStats') {
			// As an AI agent's tool it only reports: Release, Record Outcome, Pause, Resume or Reset run a campaign.
			throw new NodeOperationError(
				this.getNode(),
				'As an AI agent tool the Pacing Controller only reads the campaign stats',
				{
					description:
						'Set Operation to Get Stats. Releasing, recording, pausing, resuming and resetting a campaign belong to the workflow, not to an agent.',
				},
			);
		}
		try {
			// Get Stats and Get Dashboard only read; everything else changes a campaign, one execution of this workflow at a time.
			if (operation === 'getStats')
				return await executeCampaignOperation(this, items, operation, !manual);
			if (operation === 'getDashboard') return await executeGetDashboard(this, items, !manual);
			if (operation === 'loadState') return executeLoadState(this, items);
			if (operation === 'saveState') return executeSaveState(this, items);
			const locked = async <T>(fn: () => Promise<T>) =>
				await withWorkflowLock(workflowIdOf(this), fn);
			if (operation === 'release')
				return await locked(async () => await executeRelease(this, items));
			if (operation === 'recordOutcome')
				return await locked(async () => await executeRecordOutcome(this, items));
			if (operation === 'dashboardControl')
				return await locked(async () => await executeDashboardControl(this, items, !manual));
			if (operation === 'pause' || operation === 'resume' || operation === 'reset') {
				return await locked(
					async () => await executeCampaignOperation(this, items, operation, !manual),
				);
			}
		} catch (error) {
			// Pacing decisions are made for the whole batch at once, so a failure fails the batch; with
			// continue-on-fail the items pass through untouched with the error, and nothing is dialled.
			if (this.continueOnFail()) {
				const failed = items.map((item, i) => failedItem(item.json, i, error));
				return operation === 'release'
					? [[], failed, []]
					: operation === 'recordOutcome'
						? [[], failed]
						: [failed];
			}
			throw asNodeError(this.getNode(), error, 0);
		}
		throw new NodeOperationError(this.getNode(), `Unknown operation "${operation}"`, {
			itemIndex: 0,
		});
	}
}
