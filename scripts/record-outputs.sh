#!/usr/bin/env bash
# Records every output of every bundled scenario, lesson, sweep and capacity search into one
# folder, so that a refactoring can be checked byte for byte:
#
#   bash scripts/record-outputs.sh /tmp/before        # on the old code
#   bash scripts/record-outputs.sh /tmp/after         # on the new code
#   diff -r /tmp/before /tmp/after && echo identical
#
# What it records, each in a folder of its own under OUT:
#   run/<path>/        `ecsim run` of every scenario under scenarios/ (sweep files apart): every
#                      file the run writes, and what it prints (stdout.txt, stderr.txt, rc.txt)
#   check/             `ecsim check` of every scenario and every bundled ECS JSON file
#   place/<lesson>/    the placement lessons' `ecsim place` commands (scenarios/lessons/placement)
#   sweep/<name>/      `ecsim sweep` of every sweep file (2 threads; the output does not depend
#                      on the thread count), with its charts
#   capacity/<name>/   `ecsim capacity` of the capacity scenario
#
# Sweeps run with --quiet: their table is in cells.csv, and the wall-clock line they print
# would differ from one recording to the next.
# Uses the release binary; builds it first unless ECSIM_BIN names one.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:?usage: record-outputs.sh OUT_DIR}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
cd "$root"

if [[ -z "${ECSIM_BIN:-}" ]]; then
    cargo build --release --bin ecsim >&2
    ECSIM_BIN="${CARGO_TARGET_DIR:-$root/target}/release/ecsim"
fi

# Runs the binary with the given arguments; keeps stdout, stderr and the exit code in DIR.
record() {
    local dir="$1"
    shift
    mkdir -p "$dir"
    set +e
    "$ECSIM_BIN" "$@" >"$dir/stdout.txt" 2>"$dir/stderr.txt"
    echo $? >"$dir/rc.txt"
    set -e
    # The results folder's absolute path appears in what the CLI prints; make it relative.
    sed -i "s#$out/##g; s#$root/##g" "$dir/stdout.txt" "$dir/stderr.txt"
}

started=$SECONDS
while IFS= read -r scenario; do
    rel="${scenario#scenarios/}"
    dir="$out/run/${rel%.toml}"
    echo "run $scenario" >&2
    record "$dir" run "$scenario" --out "$dir/results"
done < <(find scenarios -name '*.toml' -not -path 'scenarios/sweeps/*' | sort)

echo "check" >&2
mapfile -t checkable < <(find scenarios -name '*.toml' -not -path 'scenarios/sweeps/*' | sort)
record "$out/check" check "${checkable[@]}"

place="scenarios/lessons/placement"
echo "place" >&2
record "$out/place/binpack-memory" place --instances $place/binpack-memory/instances.json \
    --task-definition $place/binpack-memory/taskdef.json \
    --strategy '[{"type":"binpack","field":"memory"}]' --explain
record "$out/place/spread-zone-then-binpack" place --instances $place/spread-zone-then-binpack/instances.json \
    --tasks $place/spread-zone-then-binpack/tasks.json --task-definition $place/spread-zone-then-binpack/taskdef.json \
    --group service:web \
    --strategy '[{"type":"spread","field":"attribute:ecs.availability-zone"},{"type":"binpack","field":"memory"}]' \
    --explain
record "$out/place/default-spread-empty-zone" place --instances $place/default-spread-empty-zone/instances.json \
    --task-definition $place/default-spread-empty-zone/taskdef.json --service $place/default-spread-empty-zone/service.json \
    --count 5 --tie-break first --explain
record "$out/place/default-spread-empty-zone-json" place --instances $place/default-spread-empty-zone/instances.json \
    --task-definition $place/default-spread-empty-zone/taskdef.json --service $place/default-spread-empty-zone/service.json \
    --count 5 --tie-break first
record "$out/place/member-of-regex" place --instances $place/member-of-regex/instances.json \
    --task-definition $place/member-of-regex/taskdef.json --constraints $place/member-of-regex/constraints.json \
    --count 2 --strategy '[{"type":"spread","field":"instanceId"}]' --tie-break first --explain
record "$out/place/static-host-port" place --instances $place/static-host-port/instances.json \
    --tasks $place/static-host-port/tasks.json --task-definition $place/static-host-port/taskdef.json \
    --service $place/static-host-port/service.json --count 2 --explain

while IFS= read -r sweep; do
    name="$(basename "${sweep%.toml}")"
    # base-*.toml are the scenarios the sweeps vary, not sweep files.
    if ! grep -q '^\[sweep\]' "$sweep"; then
        echo "run $sweep" >&2
        record "$out/run/sweeps/$name" run "$sweep" --out "$out/run/sweeps/$name/results"
        continue
    fi
    echo "sweep $sweep" >&2
    record "$out/sweep/$name" sweep "$sweep" --threads 2 --quiet --out "$out/sweep/$name/results"
done < <(find scenarios/sweeps -name '*.toml' | sort)

echo "capacity" >&2
record "$out/capacity/web-zone-outage" capacity scenarios/capacity/web-zone-outage.toml \
    --vary services.web.desired_count --threads 2 --out "$out/capacity/web-zone-outage/results"

echo "record-outputs.sh: recorded $(find "$out" -type f | wc -l) files in $((SECONDS - started)) s into $out" >&2
