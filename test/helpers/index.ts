/** Shared jest helpers: see executeNode.ts for the node-execution harness. */
export * from './executeNode';
