#!/usr/bin/env bash
# Runs every fuzz target of tests/fuzz/ for longer than CI does, with a random seed per target
# (printed, so a finding can be replayed), one target at a time on one core, niced (10, or
# ECSIM_FUZZ_NICE).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET_SUBSTRING]     # defaults: 60, every target
#   scripts/fuzz.sh 120 json                                    # only the JSON targets
#   ECSIM_FUZZ_HUGE=1 scripts/fuzz.sh 60 scenario               # also huge in-range counts
#
# Failing inputs (panic, slow, hang) are saved in target/fuzz-crashes/. Replay one:
#   ECSIM_FUZZ_TARGET=<target> ECSIM_FUZZ_REPLAY=<file> cargo test --release --test fuzz fuzz_<target>
# A memory blow-up aborts the process and names the input's number: regenerate and save it with
#   ECSIM_FUZZ_SEED=<seed> ECSIM_FUZZ_INPUT=<number> cargo test --release --test fuzz fuzz_<target>
# Logs: target/fuzz-logs/<target>.log. Exit status 1 when any target found something.
set -uo pipefail

seconds="${1:-60}"
filter="${2:-}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
export ECSIM_FUZZ_CRASH_DIR="${ECSIM_FUZZ_CRASH_DIR:-$target_dir/fuzz-crashes}"
logs="$target_dir/fuzz-logs"
mkdir -p "$logs" "$ECSIM_FUZZ_CRASH_DIR"

bin="$(cargo test --release --test fuzz --no-run 2>&1 | sed -n 's/.*Executable .*(\(.*\)).*/\1/p' | tail -1)"
[[ -x "$bin" || -x "$root/$bin" ]] || { echo "fuzz.sh: could not build the fuzz tests" >&2; exit 2; }
[[ -x "$bin" ]] || bin="$root/$bin"

# A backstop under the harness's own heap cap (ECSIM_FUZZ_MEM_MIB, default 3072 MiB).
ulimit -v $((8 * 1024 * 1024)) 2>/dev/null || true

status=0
for test in $("$bin" --list 2>/dev/null | sed -n 's/^\(fuzz_[a-z0-9_]*\): test$/\1/p'); do
    name="${test#fuzz_}"
    [[ -z "$filter" || "$name" == *"$filter"* ]] || continue
    seed="$(od -An -N6 -tu8 /dev/urandom | tr -d ' ')"
    echo "fuzz.sh: $name for ${seconds} s, seed $seed (replay the run: ECSIM_FUZZ_SEED=$seed ECSIM_FUZZ_SECONDS=$seconds)"
    if ECSIM_FUZZ_SEED="$seed" ECSIM_FUZZ_SECONDS="$seconds" nice -n "${ECSIM_FUZZ_NICE:-10}" "$bin" "$test" --exact --nocapture --test-threads=1 \
        >"$logs/$name.log" 2>&1; then
        grep -o "fuzz $name: .*finding(s)" "$logs/$name.log"
    else
        status=1
        echo "fuzz.sh: $name FAILED (seed $seed); see $logs/$name.log and $ECSIM_FUZZ_CRASH_DIR/"
        grep -E "^fuzz |panicked|HANG|MEMORY|saved as" "$logs/$name.log" | head -20
    fi
done
exit $status
