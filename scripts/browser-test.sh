#!/usr/bin/env bash
# The browser test: a bundled lesson's report.html, opened from disk in Debian's Chromium
# (headless, driven by playwright-core from npm), must show the animated cluster without
# errors, play, explain a task on a click, not be blank, and ask nothing of the network
# (tests/browser/report.test.mjs says what is checked).
#
#   scripts/browser-test.sh
#
# 1. installs Debian's chromium if /usr/bin/chromium is missing (apt-get; needs root)
# 2. `npm ci` in tests/browser (playwright-core only; node_modules is gitignored). playwright
#    downloads no browser of its own: it drives /usr/bin/chromium
# 3. runs the release binary ($ECSIM_BIN, default target/release/ecsim; builds nothing) on
#    the lesson, then the test with node's test runner
# Works with no tty (CI=true). ECSIM_CHROMIUM=/path/to/chrome uses another browser and
# installs nothing.
set -Eeuo pipefail
trap 'echo "browser-test.sh: line $LINENO: failed: $BASH_COMMAND" >&2' ERR

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

ecsim="${ECSIM_BIN:-target/release/ecsim}"
lesson="scenarios/lessons/services/rolling-50-200.toml"
out="results/browser-test"
chromium="${ECSIM_CHROMIUM:-/usr/bin/chromium}"
started=$SECONDS
log() { printf '[browser-test %3d s] %s\n' "$((SECONDS - started))" "$*"; }
fail() {
    printf 'browser-test.sh: FAILED: %s\n' "$*" >&2
    exit 1
}

[[ -x "$ecsim" ]] || fail "no ecsim binary at $ecsim: build it (cargo build --release --bin ecsim) or set ECSIM_BIN"
command -v node >/dev/null && command -v npm >/dev/null || fail "needs node and npm (Debian: apt-get install nodejs npm)"

if [[ ! -x "$chromium" ]]; then
    [[ -z "${ECSIM_CHROMIUM:-}" ]] || fail "ECSIM_CHROMIUM=$chromium is not an executable"
    ((EUID == 0)) || fail "needs root to install Debian's chromium (or set ECSIM_CHROMIUM)"
    export DEBIAN_FRONTEND=noninteractive
    apt_log="$(mktemp "${TMPDIR:-/tmp}/ecsim-apt.XXXXXX")"
    log "apt-get install chromium"
    # `apt-get update` first only when the package lists do not know chromium (or are too old).
    policy=$(apt-cache policy chromium 2>/dev/null || true)
    if ! grep -q 'Candidate: [0-9]' <<<"$policy"; then
        apt-get update -q >>"$apt_log" 2>&1 || { cat "$apt_log" >&2; fail "apt-get update"; }
    fi
    if ! apt-get install -y -q --no-install-recommends chromium >>"$apt_log" 2>&1; then
        apt-get update -q >>"$apt_log" 2>&1 || { cat "$apt_log" >&2; fail "apt-get update"; }
        apt-get install -y -q --no-install-recommends chromium >>"$apt_log" 2>&1 || { cat "$apt_log" >&2; fail "apt-get install chromium"; }
    fi
    rm -f "$apt_log"
fi
log "browser: $("$chromium" --version 2>/dev/null | head -n 1)"

# playwright-core downloads nothing on install; the variable makes sure of it.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
log "npm ci (tests/browser)"
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)

log "ecsim run $lesson --out $out"
"$ecsim" run "$lesson" --out "$out" >/dev/null
[[ -s "$out/report.html" ]] || fail "the run wrote no $out/report.html"
log "report.html: $(wc -c <"$out/report.html") bytes"

ECSIM_REPORT="$root/$out/report.html" ECSIM_CHROMIUM="$chromium" node --test tests/browser/report.test.mjs
log "passed"
