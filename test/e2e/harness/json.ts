/**
 * JSON whose shape this repository does not own: n8n's REST API answers, workflow files, Google's and OpenAI's
 * answers. Typed loosely on purpose and in this one place, so that the harness, the scenarios and scripts/demo
 * read such fields without a cast at every step; code whose data this repository defines uses its own types.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above: the one loose type
export type Json = Record<string, any>;
