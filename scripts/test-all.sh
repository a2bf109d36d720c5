#!/usr/bin/env bash
# The whole test suite, as CI runs it: build, lint, type-check, jest (unit, simulator, nodes over real HTTP,
# pacing engine), then the end-to-end suite in a real n8n. Ends with one "N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .e2e
failed_steps=()

step() {
	local name="$1"; shift
	echo "::: $name"
	if ! "$@"; then failed_steps+=("$name"); fi
}

step build npm run --silent build
step lint npm run --silent lint
step typecheck npm run --silent typecheck
step jest npx jest --ci --json --outputFile=.e2e/jest-results.json
if [ "${SKIP_E2E:-}" != "1" ]; then
	step e2e npm run --silent test:e2e -- --results .e2e/e2e-results.json
fi

node -e '
const fs = require("fs");
let passed = 0, failed = 0;
for (const f of [".e2e/jest-results.json", ".e2e/e2e-results.json"]) {
	if (!fs.existsSync(f)) continue;
	const r = JSON.parse(fs.readFileSync(f, "utf8"));
	passed += r.numPassedTests || 0;
	failed += (r.numFailedTests || 0) + (r.numRuntimeErrorTestSuites || 0);
}
const steps = process.argv.slice(1);
if (steps.length) { console.log("failed steps: " + steps.join(", ")); failed += steps.length; }
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
' "${failed_steps[@]}"
