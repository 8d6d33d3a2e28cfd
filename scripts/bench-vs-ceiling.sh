#!/usr/bin/env bash
# ecsim timed beside the hand-written ceiling of ../shared/bench (W1: ALB request queueing,
# W2: placement), interleaved on the same machine, plus the whole-run figures of the other
# performance goals (services' rolling updates, memory over run length, the scale scenario).
# What each figure means and how to read it: docs/performance.md.
#
# usage: scripts/bench-vs-ceiling.sh [--quick] [--rounds N] [--R N] [--H "1000 10000"]
#                                    [--others full|quick|none] [--outputs all|data]
#                                    [--markdown | --csv]
#   --quick       R = 10^6, H = 1,000, 3 rounds, the small scale scenario, no 96-hour run
#   --rounds N    timed rounds per pair after one warm-up round (default 5); medians reported
#   --R N         W1 arrivals (default 10^7)
#   --H LIST      W2 cluster sizes (default "1000 10000")
#   --others      which whole-run goals to time beside (default full; quick with --quick)
#   --outputs S   which result files ecsim writes in every timed run (`ecsim run --outputs`):
#                 all (default, as a user runs it) or data (no chart, no report.html)
#   --markdown    the table as Markdown (for the README); --csv as CSV
# environment: ECSIM_BENCH_DIR (default <project>/../shared/bench), ECSIM_BIN (default: build
# target/release/ecsim), CARGO_TARGET_DIR (where both are built).
# W2 is timed twice per round: with the result files of --outputs, and writing summary.json
# only (the ceiling writes nothing but its counts: the like-for-like rows of the table).
# W2's placed/failed/zone counts are compared with the ceiling's and a difference is printed:
# W2's spread rule differs from ECS's on tied zones, and ecsim follows ECS (see the note it
# prints; tests/suite/w2_workload.rs checks ecsim against both rules). Timings never fail it.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=${ECSIM_BENCH_DIR:-$ROOT/../shared/bench}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
ROUNDS=5
R=10000000
HS="1000 10000"
OTHERS=full
OUTPUTS=all
FORMAT=table
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) ROUNDS=3; R=1000000; HS=1000; OTHERS=quick ;;
        --rounds) ROUNDS=${2:?}; shift ;;
        --R) R=${2:?}; shift ;;
        --H) HS=${2:?}; shift ;;
        --others) OTHERS=${2:?}; shift ;;
        --outputs) OUTPUTS=${2:?}; shift ;;
        --markdown) FORMAT=markdown ;;
        --csv) FORMAT=csv ;;
        -h | --help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench-vs-ceiling: unknown argument $1 (see --help)" >&2; exit 64 ;;
    esac
    shift
done
case "$OTHERS" in full | quick | none) ;; *) echo "bench-vs-ceiling: --others full|quick|none" >&2; exit 64 ;; esac
case "$OUTPUTS" in all | data) ;; *) echo "bench-vs-ceiling: --outputs all|data (W2's check reads tasks.csv)" >&2; exit 64 ;; esac
R=$(python3 -c "print(int(float('$R')))")
[ -d "$BENCH/ceiling" ] || { echo "bench-vs-ceiling: no ceiling at $BENCH/ceiling (set ECSIM_BENCH_DIR)" >&2; exit 66; }
[ -x /usr/bin/time ] || { echo "bench-vs-ceiling: needs /usr/bin/time (GNU time) for peak RSS" >&2; exit 69; }

log() { echo "bench-vs-ceiling: $*" >&2; }

# Build both, release. The ceiling builds into our target directory, not into ../shared.
if [ -z "${ECSIM_BIN:-}" ]; then
    log "building ecsim (release)"
    cargo build --release --quiet --bin ecsim --manifest-path "$ROOT/Cargo.toml"
    ECSIM_BIN=$TARGET/release/ecsim
fi
log "building the ceiling ($BENCH/ceiling)"
cargo build --release --quiet --manifest-path "$BENCH/ceiling/Cargo.toml" --target-dir "$TARGET/bench-ceiling"
CEIL=$TARGET/bench-ceiling/release

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ecsim-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/s"

# timed KEY CMD...: one run; appends "wall_s peak_kb" to $WORK/s/KEY; the command's stdout
# goes to $WORK/KEY.out (the last run's).
timed() {
    local key=$1 start end; shift
    # Wall time in nanoseconds around the process (GNU time's %e has 10 ms steps: the bucketed
    # ceiling at H = 1,000 takes about 2 ms); GNU time for the peak RSS. The disk is settled
    # first, untimed: ecsim syncs its result files before they replace the old ones, and a
    # sync waits for whatever else the disk is still writing — W2 after W1 at R = 10^7 took
    # 0.056 s at H = 1,000 where it takes 0.042–0.047 s on a quiet disk.
    sync
    start=$(date +%s%N)
    /usr/bin/time -f "%M" -o "$WORK/time" "$@" > "$WORK/$key.out" 2> "$WORK/$key.err" || {
        log "$key failed:"; tail -5 "$WORK/$key.err" >&2; return 1; }
    end=$(date +%s%N)
    if [ "${WARM:-0}" = 0 ]; then
        echo "$(( (end - start) / 1000 ))e-6 $(tail -1 "$WORK/time")" >> "$WORK/s/$key"
    fi
}

# The workloads, written by the reference generators.
W1_ROUTINGS="random rr"
for routing in $W1_ROUTINGS; do
    python3 "$BENCH/scenarios/w1gen.py" 0.8 "$routing" "$R" --out "$WORK/w1-$routing.toml"
done
for h in $HS; do python3 "$BENCH/scenarios/w2gen.py" "$h" "$WORK/w2-$h.toml"; done

# Interleaved pairs: round 0 warms caches and is not counted.
for round in $(seq 0 "$ROUNDS"); do
    if [ "$round" = 0 ]; then WARM=1; else WARM=0; fi
    log "round $round of $ROUNDS${WARM:+ }$([ "$WARM" = 1 ] && echo '(warm-up)')"
    for routing in $W1_ROUTINGS; do
        timed "w1-$routing.ecsim" "$ECSIM_BIN" run "$WORK/w1-$routing.toml" -q --outputs "$OUTPUTS" --out "$WORK/o-w1-$routing"
        timed "w1-$routing.ceiling" "$CEIL/w1" --rho 0.8 --routing "$routing" --R "$R" --seed 1
    done
    for h in $HS; do
        timed "w2-$h.ecsim" "$ECSIM_BIN" run "$WORK/w2-$h.toml" -q --outputs "$OUTPUTS" --out "$WORK/o-w2-$h"
        # Like for like: the ceiling prints its counts and writes nothing; ecsim's summary.json.
        timed "w2-$h.ecsim-summary" "$ECSIM_BIN" run "$WORK/w2-$h.toml" -q --outputs summary --out "$WORK/o-w2s-$h"
        timed "w2-$h.naive" "$CEIL/w2" --H "$h" --algo naive
        timed "w2-$h.bucketed" "$CEIL/w2" --H "$h" --algo bucketed
    done
done

# The other goals: ecsim alone, whole process, one timed run each after the rounds above.
WARM=0
OTHER_KEYS=()
if [ "$OTHERS" != none ]; then
    for f in "$ROOT"/scenarios/bench/service-*.toml; do
        [ -e "$f" ] || continue
        key="svc-$(basename "$f" .toml)"
        log "$key"
        timed "$key" "$ECSIM_BIN" run "$f" -q --outputs "$OUTPUTS" --out "$WORK/o-$key" && OTHER_KEYS+=("$key")
    done
    if [ "$OTHERS" = full ]; then long_hours="6 96"; scale=scale-500k; else long_hours="6 24"; scale=scale-50k; fi
    for hours in $long_hours; do
        printf '[scenario]\nduration = "%sh"\n' "$hours" > "$WORK/large-$hours.toml"
        key="large-cluster-${hours}h"
        log "$key"
        timed "$key" "$ECSIM_BIN" run "$ROOT/scenarios/bench/large-cluster.toml" --overlay "$WORK/large-$hours.toml" -q --outputs "$OUTPUTS" --out "$WORK/o-$key" &&
            OTHER_KEYS+=("$key")
    done
    log "$scale"
    timed "$scale" "$ECSIM_BIN" run "$ROOT/scenarios/bench/$scale.toml" -q --outputs "$OUTPUTS" --out "$WORK/o-$scale" && OTHER_KEYS+=("$scale")
fi

# The table.
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$ROOT" diff --quiet HEAD 2>/dev/null || COMMIT="$COMMIT+changes"
CPU=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //' || echo unknown)
WORK="$WORK" OUTPUTS="$OUTPUTS" FORMAT="$FORMAT" ROUNDS="$ROUNDS" R="$R" HS="$HS" OTHER_KEYS="${OTHER_KEYS[*]:-}" \
    DATE="$(date -u +%Y-%m-%d)" MACHINE="$(nproc) cores, ${CPU:-unknown}" COMMIT="$COMMIT" \
    python3 - <<'PY'
import csv, json, os, statistics, sys
from collections import Counter

work, fmt = os.environ["WORK"], os.environ["FORMAT"]
rounds, R = int(os.environ["ROUNDS"]), int(os.environ["R"])
hs = [int(h) for h in os.environ["HS"].split()]

def samples(key):
    try:
        rows = [line.split() for line in open(f"{work}/s/{key}") if line.strip()]
    except FileNotFoundError:
        return None
    return statistics.median(float(r[0]) for r in rows), max(int(r[1]) for r in rows) / 1024, len(rows)

def fmt_s(x): return f"{x:.4f}" if x < 0.1 else f"{x:.3f}" if x < 10 else f"{x:.1f}"
def fmt_rate(x): return f"{x / 1e6:.2f} M/s" if x >= 1e6 else f"{x / 1e3:.0f} k/s"
def fmt_ratio(ecsim_s, ceiling_s):
    # ecsim's speed as a fraction of the ceiling's (1.00x = as fast); below 0.1 also as "N x slower"
    r = ceiling_s / ecsim_s
    return f"{r:.2f}x" if r >= 0.1 else f"{r:.4f}x ({1 / r:.0f}x slower)"

rows, notes, disagree = [], [], False
for routing in ("random", "rr"):
    e, c = samples(f"w1-{routing}.ecsim"), samples(f"w1-{routing}.ceiling")
    if e and c:
        ev = 2 * R
        rows.append([f"W1 rho 0.8 {routing}, R = {R:,}", fmt_s(e[0]), fmt_s(c[0]), fmt_ratio(e[0], c[0]),
                     f"{fmt_rate(ev / e[0])} vs {fmt_rate(ev / c[0])} events", f"{e[1]:.0f} / {c[1]:.0f}"])
for h in hs:
    e = samples(f"w2-{h}.ecsim")
    if not e:
        continue
    # Agreement: ecsim's placed/failed (summary.json) and zone counts (tasks.csv) vs the ceiling's JSON.
    mine = json.load(open(f"{work}/o-w2-{h}/summary.json"))["tasks"]
    zones = Counter(row["zone"] for row in csv.DictReader(open(f"{work}/o-w2-{h}/tasks.csv")))
    mine_z = [zones.get(z, 0) for z in ("us-east-1a", "us-east-1b", "us-east-1c")]
    for algo in ("naive", "bucketed"):
        c = samples(f"w2-{h}.{algo}")
        if not c:
            continue
        ref = json.loads(open(f"{work}/w2-{h}.{algo}.out").read())
        agree = (mine["placed"], mine["failed"], mine_z) == (ref["placed"], ref["failed"], ref["zone_tasks"])
        disagree |= not agree
        if not agree:
            notes.append(f"W2 H = {h}: ecsim placed {mine['placed']}, failed {mine['failed']}, zones {mine_z}; "
                         f"ceiling ({algo}) placed {ref['placed']}, failed {ref['failed']}, zones {ref['zone_tasks']}: counts differ")
        m = 10 * h
        rows.append([f"W2 H = {h:,} vs {algo}" + ("" if agree else " (counts differ*)"), fmt_s(e[0]), fmt_s(c[0]),
                     fmt_ratio(e[0], c[0]),
                     f"{fmt_rate(m / e[0])} vs {fmt_rate(m / c[0])} placements", f"{e[1]:.0f} / {c[1]:.0f}"])
    # The same run writing summary.json only, as the ceiling writes nothing but its counts.
    es = samples(f"w2-{h}.ecsim-summary")
    for algo in ("naive", "bucketed"):
        c = samples(f"w2-{h}.{algo}")
        if es and c:
            m = 10 * h
            rows.append([f"W2 H = {h:,} vs {algo}, summary.json only", fmt_s(es[0]), fmt_s(c[0]), fmt_ratio(es[0], c[0]),
                         f"{fmt_rate(m / es[0])} vs {fmt_rate(m / c[0])} placements", f"{es[1]:.0f} / {c[1]:.0f}"])
    if h == hs[-1]:
        notes.append(f"W2 H = {h:,}: {mine['placed']:,} placed, {mine['failed']:,} failed, zones {mine_z} "
                     f"(agrees with the ceiling: {'no' if disagree else 'yes'})")
        if disagree:
            notes.append("* W2's spread takes one zone (ties: lowest index) and binpacks inside it; ECS's spread keeps "
                         "every zone tied at the least count and binpacks across them, and ecsim follows ECS "
                         "(tests/suite/w2_workload.rs checks ecsim against both rules at 300 hosts; docs/performance.md)")

others = os.environ["OTHER_KEYS"].split()
for key in others:
    s = samples(key)
    if not s:
        continue
    what = key
    summary = f"{work}/o-{key}/summary.json"
    extra = ""
    if os.path.exists(summary):
        d = json.load(open(summary))
        t = d.get("tasks", {})
        if isinstance(d.get("instances"), int):
            # Every task started (standalone and service), one row each in tasks.csv.
            with open(f"{work}/o-{key}/tasks.csv") as f:
                started = sum(1 for _ in f) - 1
            extra = f"{d['instances']:,} instances, {started:,} tasks started, {d.get('events_handled', 0) / s[0] / 1e6:.2f} M events/s"
    rows.append([what, fmt_s(s[0]), "-", "-", extra, f"{s[1]:.0f}"])
longs = [k for k in others if k.startswith("large-cluster-")]
if len(longs) == 2 and samples(longs[0]) and samples(longs[1]):
    a, b = samples(longs[0])[1], samples(longs[1])[1]
    notes.append(f"{longs[1]} / {longs[0]} peak memory: {b:.0f} / {a:.0f} MiB = {b / a:.2f}x (goal <= 1.5x)")

head = ["workload", "ecsim s", "ceiling s", "speed vs ceiling", "throughput (ecsim vs ceiling)", "peak RSS MiB (ecsim / ceiling)"]
meta = (f"{os.environ['DATE']}, {os.environ['MACHINE']}, ecsim {os.environ['COMMIT']} (--outputs {os.environ['OUTPUTS']}); "
        f"medians of {rounds} interleaved rounds after one warm-up (other goals: one run each)")
if fmt == "csv":
    w = csv.writer(sys.stdout)
    w.writerow(head)
    w.writerows(rows)
    for n in [meta] + notes:
        w.writerow([f"# {n}"])
elif fmt == "markdown":
    print(f"Measured {meta}.\n")
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" for _ in head) + "|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    print()
    for n in notes:
        print(f"* {n}")
else:
    print(meta)
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    for r in [head] + rows:
        print("  ".join(str(c).ljust(widths[i]) for i, c in enumerate(r)).rstrip())
    for n in notes:
        print(n)
sys.exit(0)
PY
