#!/usr/bin/env bash
# The whole test suite, as CI runs it: build, lint, type-check, jest (unit, simulator, nodes over real HTTP,
# pacing engine), the offline part of n8n's verification scan, then the end-to-end suite in a real n8n on both
# supported lines: n8n 2.41.1 on Node 24, the line users install, runs every scenario of the suite (the examples,
# the editor in Chromium, the 1,000-contact full campaign, callbacks (500), the AI Agent tool, the Google Sheets
# campaign (example 1, real time, ~24 minutes), restart (150 contacts) and overlapping ticks; the queue-mode ones
# are opt-in); n8n 1.123.81 on Node 20 runs the examples, callbacks (200) and restart (150 contacts), in its own
# n8n beside the 2.x Google Sheets campaign (E2E_PARALLEL=0 runs them one after the other). Any scenario
# runs on either line with E2E_V1_ONLY / E2E_V2_ONLY.
# Ends with one "N passed, N failed" line over everything, and each part's duration.
#
#   SKIP_E2E=1            no e2e at all
#   E2E_LINES="2.41.1"    only these n8n versions (default "2.41.1 1.123.81")
#   E2E_V1_ONLY=examples,full   the scenarios run on 1.123.x (default: examples,concurrency,restart, with
#                               E2E_BURST=200, E2E_RESTART_CONTACTS=150 unless set; "all" for every one)
#   E2E_V2_ONLY=all             the scenarios run on 2.x (default: examples,editor,full,concurrency,agent,sheets,restart,overlap, with
#                               E2E_RESTART_CONTACTS=150 unless set)
#   E2E_INSTALL=serial    install the n8n runtimes one after the other when missing (default: concurrently with
#                         build/lint/jest, see test/e2e/harness/README.md "n8n 1.123 vs 2.x")
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .e2e
failed_steps=()
timings=()
lines="${E2E_LINES:-2.41.1 1.123.81}"

step() {
	local name="$1"; shift
	local t0=$SECONDS
	echo "::: $name"
	if ! "$@"; then failed_steps+=("$name"); fi
	timings+=("$name: $((SECONDS - t0)) s")
}

rm -f .e2e/jest-results.json .e2e/e2e-results-*.json .e2e/e2e-*.rc

# E2E_CMD = the e2e command for one n8n version and scenario list (dist/ is built once, by the build step).
e2e_args() {
	local v="$1" scenarios="$2"; shift 2
	local only=()
	if [ "$scenarios" != "all" ]; then only=(--only "$scenarios"); fi
	E2E_CMD=(env E2E_PREBUILT=1 "$@" npm run --silent test:e2e -- --n8n "$v" --results ".e2e/e2e-results-$v.json" "${only[@]}")
}
t_all=$SECONDS

# The n8n runtimes take minutes to install on a fresh machine; start that first, next to build/lint/jest.
install_pid=""
if [ "${SKIP_E2E:-}" != "1" ] && [ "${E2E_INSTALL:-concurrent}" != "serial" ]; then
	echo "::: n8n runtimes ($lines): ensuring in the background (log .e2e/n8n-install.log)"
	t_install=$SECONDS
	npx tsx test/e2e/run.ts --install-only --n8n "${lines// /,}" > .e2e/n8n-install.log 2>&1 &
	install_pid=$!
fi

chromium_pid=""
if [ "${SKIP_E2E:-}" != "1" ]; then
	echo "::: chromium for the editor test: ensuring in the background (log .e2e/chromium-install.log)"
	bash scripts/ensure-chromium.sh > .e2e/chromium-install.log 2>&1 &
	chromium_pid=$!
fi

step build npm run --silent build
step scan npm run --silent scan
step lint npm run --silent lint
step format npm run --silent format:check
step typecheck npm run --silent typecheck
step jest npx jest --ci --json --outputFile=.e2e/jest-results.json

if [ "${SKIP_E2E:-}" != "1" ]; then
	if [ -n "$install_pid" ]; then
		if ! wait "$install_pid"; then failed_steps+=("n8n install"); fi
		cat .e2e/n8n-install.log | grep -v '^\[e2e' || true
		timings+=("n8n install (background, from the start): finished after $((SECONDS - t_install)) s")
	fi
	if [ -n "$chromium_pid" ] && ! wait "$chromium_pid"; then failed_steps+=("chromium install"); tail -5 .e2e/chromium-install.log; fi
	# n8n 2.x runs its scenarios first, alone (the accelerated ones load both cores). The Google Sheets campaign
	# runs on real time for ~24 minutes and uses little CPU, so the 1.123 line runs beside it, each in its own n8n
	# (E2E_PARALLEL=0: one after the other).
	beside=()
	long_line=""
	for v in $lines; do
		if [ "${v%%.*}" = "1" ]; then
			beside+=("$v")
			continue
		fi
		scenarios="${E2E_V2_ONLY:-examples,editor,full,concurrency,agent,restart,overlap,sheets}"
		main="$(echo ",$scenarios," | sed 's/,sheets,/,/; s/^,//; s/,$//')"
		if [ -n "$main" ]; then
			e2e_args "$v" "$main" E2E_RESTART_CONTACTS="${E2E_RESTART_CONTACTS:-150}"
			step "e2e n8n $v" "${E2E_CMD[@]}"
		fi
		if [ "$scenarios" != "all" ] && [ "$main" != "$scenarios" ]; then long_line="$v"; fi
	done
	bg_pids=()
	if [ "${E2E_PARALLEL:-1}" = "1" ] && [ -n "$long_line" ]; then
		for v in "${beside[@]}"; do
			e2e_args "$v" "${E2E_V1_ONLY:-examples,concurrency,restart}" E2E_BURST="${E2E_BURST:-200}" E2E_RESTART_CONTACTS="${E2E_RESTART_CONTACTS:-150}"
			echo "::: e2e n8n $v: beside the Google Sheets campaign (log .e2e/e2e-$v.log)"
			( t0=$SECONDS; "${E2E_CMD[@]}" > ".e2e/e2e-$v.log" 2>&1; echo "$? $((SECONDS - t0))" > ".e2e/e2e-$v.rc" ) &
			bg_pids+=("$!")
		done
		beside=()
	fi
	# Queue mode (issue 12: Redis, PostgreSQL, main, workers, a webhook processor) on the 2.x line, also beside the
	# Sheets campaign, after the 1.x line so that at most two n8n stacks share the machine: example 3's callback path
	# with 1 and 2 workers, and a smaller full campaign (E2E_QUEUE_CONTACTS) with a worker killed midway.
	if [ "${E2E_PARALLEL:-1}" = "1" ] && [ -n "$long_line" ] && [ "${E2E_QUEUE:-1}" = "1" ]; then
		echo "::: e2e n8n $long_line queue mode: beside the Google Sheets campaign (log .e2e/e2e-$long_line-queue.log)"
		(
			for pid in "${bg_pids[@]}"; do while kill -0 "$pid" 2> /dev/null; do sleep 5; done; done
			t0=$SECONDS
			env E2E_PREBUILT=1 E2E_CONTACTS="${E2E_QUEUE_CONTACTS:-300}" npm run --silent test:e2e -- --n8n "$long_line" \
				--results ".e2e/e2e-results-$long_line-queue.json" --only queue-intake,queue-full > ".e2e/e2e-$long_line-queue.log" 2>&1
			echo "$? $((SECONDS - t0))" > ".e2e/e2e-$long_line-queue.rc"
		) &
		queue_pid=$!
	fi
	if [ -n "$long_line" ]; then
		E2E_CMD=(env E2E_PREBUILT=1 npm run --silent test:e2e -- --n8n "$long_line" --results ".e2e/e2e-results-$long_line-sheets.json" --only sheets)
		step "e2e n8n $long_line: Google Sheets campaign" "${E2E_CMD[@]}"
	fi
	for pid in "${bg_pids[@]}"; do wait "$pid"; done
	if [ -n "${queue_pid:-}" ]; then wait "$queue_pid"; fi
	for v in "${beside[@]}"; do
		e2e_args "$v" "${E2E_V1_ONLY:-examples,concurrency,restart}" E2E_BURST="${E2E_BURST:-200}" E2E_RESTART_CONTACTS="${E2E_RESTART_CONTACTS:-150}"
		step "e2e n8n $v" "${E2E_CMD[@]}"
	done
	for f in .e2e/e2e-*.rc; do
		[ -f "$f" ] || continue
		v="$(basename "$f" .rc)"; v="${v#e2e-}"
		read -r rc secs < "$f"
		echo "::: e2e n8n $v (ran beside the Google Sheets campaign)"
		cat ".e2e/e2e-$v.log"
		[ "$rc" = "0" ] || failed_steps+=("e2e n8n $v")
		timings+=("e2e n8n $v (beside the Sheets campaign): $secs s")
	done
fi

echo
echo "::: durations"
for t in "${timings[@]}"; do echo "  $t"; done
for f in .e2e/e2e-results-*.json; do
	[ -f "$f" ] || continue
	node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
for (const s of r.scenarios || []) console.log(`    ${s.name}: ${Math.round(s.durationMs / 1000)} s`);
' "$f"
done
echo "  total: $((SECONDS - t_all)) s"

node -e '
const fs = require("fs");
let passed = 0, failed = 0;
const files = [".e2e/jest-results.json", ...fs.readdirSync(".e2e").filter((f) => /^e2e-results-.*\.json$/.test(f)).map((f) => ".e2e/" + f)];
for (const f of files) {
	if (!fs.existsSync(f)) continue;
	const r = JSON.parse(fs.readFileSync(f, "utf8"));
	passed += r.numPassedTests || 0;
	failed += (r.numFailedTests || 0) + (r.numRuntimeErrorTestSuites || 0);
	if (r.n8nVersion) console.log(`n8n ${r.n8nVersion} (Node ${r.nodeVersion}): ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
	for (const t of r.testResults || []) if (t.status === "failed" && r.n8nVersion) console.log(`  FAIL ${t.name}`);
}
const steps = process.argv.slice(1);
if (steps.length) { console.log("failed steps: " + steps.join(", ")); failed += steps.length; }
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
' "${failed_steps[@]}"
