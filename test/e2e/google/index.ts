/** Google APIs emulator for the e2e suite (Sheets v4 + OAuth token endpoint). See README.md. */
export * from './emulator';
export * from './log';
export * from './certs';
export * from './client';
export { parseA1, formatRange, quoteSheet, colToIndex, indexToCol } from './a1';
export { parseUserEntered, render, formatted } from './values';
