#!/usr/bin/env bash
# A real Slurm job array on this one machine: a sharded `ecsim sweep` must merge into the
# same bytes as the unsharded sweep (docs/distributed.md).
#
#   scripts/slurm-test.sh [--slurm-only]
#
# 1. installs Debian's slurm-wlm and munge if missing (apt-get; needs root)
# 2. writes a single-node /etc/slurm/slurm.conf (an existing one is backed up and put back),
#    starts munged (unless one answers already), slurmctld and slurmd as daemons with pid
#    files, and waits until the node is idle
# 3. a dummy array job (--array=0-2) that prints the SLURM_ARRAY_* variables each task sees
# 4. `ecsim sweep scenarios/sweeps/smoke.toml` unsharded, then the same sweep as a 3-task
#    array job (scripts/slurm/sweep-array.sbatch, no --shard: each task reads its share from
#    SLURM_ARRAY_TASK_ID/COUNT) with a merge job that depends on it (afterok), and `cmp` of
#    runs.csv, cells.csv and cells.json against the unsharded sweep
# 5. a negative check: merging only 2 of the 3 shards must fail and write nothing
#
# Always stops the daemons it started and restores the config it replaced (trap EXIT).
# Builds nothing: the binary is $ECSIM_BIN (default target/release/ecsim, which
# scripts/test.sh builds before it runs this). --slurm-only stops after step 3.
# Works in a container without systemd, with no tty (CI=true). ECSIM_SLURM_KEEP=1 keeps
# the temporary directory (configs, daemon logs, job logs, sweep outputs) for a look.
set -Eeuo pipefail
# Say which command failed: `set -e` alone would end the script without a word.
trap 'echo "slurm-test.sh: line $LINENO: failed: $BASH_COMMAND" >&2' ERR

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

slurm_only=false
case "${1-}" in
    "") ;;
    --slurm-only) slurm_only=true ;;
    *)
        echo "usage: $0 [--slurm-only]" >&2
        exit 2
        ;;
esac

ecsim="${ECSIM_BIN:-target/release/ecsim}"
[[ "$ecsim" == /* ]] || ecsim="$root/$ecsim" # the jobs run with their own working directory
sweep="scenarios/sweeps/smoke.toml"
tasks=3            # array size: one shard per task
job_timeout=180    # seconds any one Slurm job may take, queueing included
daemon_timeout=60  # seconds a daemon may take to answer

started=$SECONDS
step_started=
step_name=
timings=() # "seconds  step" of each finished step, for the summary
log() { printf '[slurm-test %3d s] %s\n' "$((SECONDS - started))" "$*"; }
step() {
    if [[ -n "$step_started" ]]; then
        log "-- took $((SECONDS - step_started)) s"
        timings+=("$(printf '%4d s  %s' "$((SECONDS - step_started))" "$step_name")")
    fi
    step_started=$SECONDS
    step_name=$*
    printf '\n[slurm-test %3d s] == %s\n' "$((SECONDS - started))" "$*"
}
fail() {
    printf '\nslurm-test.sh: FAILED: %s\n' "$*" >&2
    exit 1
}

# Fail fast, before installing anything, on what this script cannot fix itself.
((EUID == 0)) || fail "needs root: it installs packages and starts the Slurm daemons"
if ! $slurm_only; then
    [[ -x "$ecsim" ]] || fail "no ecsim binary at $ecsim: build it (cargo build --release --bin ecsim) or set ECSIM_BIN"
    [[ -f "$sweep" ]] || fail "no $sweep"
fi
# A machine that already runs Slurm is not ours to reconfigure.
for daemon in slurmctld slurmd; do
    if pid=$(pgrep -x "$daemon"); then
        fail "$daemon is already running (pid $pid): this test starts its own one-node cluster"
    fi
done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/ecsim-slurm.XXXXXX")"
chmod 0755 "$tmp" # slurmd and the jobs read and write here
state="$tmp/slurm"
mkdir -p "$state/state" "$state/spool" "$tmp/logs" "$tmp/backup"

# ---- cleanup: everything below registers what it must undo here --------------------------
started_pids=()    # "name:pid" of the daemons this script started, in start order
submitted_jobs=()  # job ids to cancel if the script stops before they end
restore_files=()   # config files written over: put back from $tmp/backup, or removed
cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM ERR
    if ((${#submitted_jobs[@]})) && command -v scancel >/dev/null; then
        # Jobs that are still queued or running (a timeout, a failure): without this their
        # slurmstepd would outlive slurmd.
        scancel "${submitted_jobs[@]}" 2>/dev/null
    fi
    if ((rc != 0)) && [[ -d "$state" ]]; then
        for f in "$state"/slurmctld.log "$state"/slurmd.log; do
            [[ -s "$f" ]] || continue
            echo "---- last lines of $f" >&2
            tail -n 20 "$f" >&2
        done
    fi
    # Stop in reverse start order (slurmd, slurmctld, munged), each by its own pid.
    local i name pid waited
    for ((i = ${#started_pids[@]} - 1; i >= 0; i--)); do
        name=${started_pids[i]%%:*}
        pid=${started_pids[i]#*:}
        kill -TERM "$pid" 2>/dev/null || continue
        for ((waited = 0; waited < 100; waited++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "slurm-test.sh: $name (pid $pid) ignored SIGTERM for 10 s; sending SIGKILL" >&2
            kill -KILL "$pid" 2>/dev/null
        fi
        log "stopped $name (pid $pid)"
    done
    local file
    for file in "${restore_files[@]}"; do
        if [[ -e "$tmp/backup/${file##*/}" ]]; then
            cp -p "$tmp/backup/${file##*/}" "$file" && log "restored $file"
        else
            rm -f "$file" && log "removed $file"
        fi
    done
    if [[ "${ECSIM_SLURM_KEEP:-}" == 1 ]]; then
        log "kept $tmp (ECSIM_SLURM_KEEP=1)"
    else
        rm -rf "$tmp"
    fi
    if ((rc == 0)); then
        log "slurm-test.sh: passed in $((SECONDS - started)) s"
    fi
    exit "$rc"
}
trap cleanup EXIT
# A signal ends the script through `exit`, so the EXIT trap runs for it too.
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_for SECONDS WHAT COMMAND...: polls COMMAND until it succeeds, or fails the test.
wait_for() {
    local limit=$1 what=$2
    shift 2
    local deadline=$((SECONDS + limit))
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || fail "$what: not after $limit s"
        sleep 0.5
    done
}

# ---- 1. packages ------------------------------------------------------------------------
step "1. packages: slurm-wlm, munge"
if command -v slurmctld >/dev/null && command -v slurmd >/dev/null \
    && command -v sbatch >/dev/null && command -v munged >/dev/null; then
    log "already installed: $(slurmctld -V)"
else
    export DEBIAN_FRONTEND=noninteractive
    apt_log="$tmp/apt.log"
    apt_install() {
        apt-get install -y -q --no-install-recommends slurm-wlm munge >>"$apt_log" 2>&1
    }
    # `apt-get update` only when the package lists do not know slurm-wlm, or are so old
    # that the install fails (a mirror no longer has the versions they name).
    # (Into a variable first: `grep -q` closing the pipe early would fail it under pipefail.)
    policy=$(apt-cache policy slurm-wlm 2>/dev/null || true)
    if ! grep -q 'Candidate: [0-9]' <<<"$policy"; then
        log "apt-get update (the package lists do not have slurm-wlm)"
        apt-get update -q >>"$apt_log" 2>&1 || { cat "$apt_log" >&2; fail "apt-get update"; }
    fi
    if ! apt_install; then
        log "apt-get install failed; apt-get update and one more try"
        apt-get update -q >>"$apt_log" 2>&1 || { cat "$apt_log" >&2; fail "apt-get update"; }
        apt_install || { cat "$apt_log" >&2; fail "apt-get install slurm-wlm munge"; }
    fi
    log "installed: $(slurmctld -V)"
fi

# ---- 2. daemons -------------------------------------------------------------------------
step "2. daemons: munged, slurmctld, slurmd"

# munge authenticates every Slurm message. Debian's package makes a key on install; make
# one if it is gone (a key made by hand, or an image that dropped it).
if [[ ! -s /etc/munge/munge.key ]]; then
    mungekey --create --keyfile=/etc/munge/munge.key
    chown munge:munge /etc/munge/munge.key
    chmod 0600 /etc/munge/munge.key
    log "created /etc/munge/munge.key"
fi
munge_ok() { munge -n </dev/null | unmunge >/dev/null; }
if munge_ok 2>/dev/null; then
    log "munged already answers; using it"
else
    # Without systemd nobody makes its runtime directory. Run as the munge user, as the
    # package's unit does; --force: a stale socket left by a killed munged is no reason to
    # refuse to start.
    install -d -o munge -g munge -m 0755 /run/munge
    rm -f /run/munge/munged.pid
    runuser -u munge -- /usr/sbin/munged --force
    wait_for 10 "munged wrote no pid file" test -s /run/munge/munged.pid
    started_pids+=("munged:$(cat /run/munge/munged.pid)")
    wait_for 10 "munged does not answer (munge -n | unmunge)" munge_ok
    log "munged started (pid $(cat /run/munge/munged.pid))"
fi

# The node as Slurm sees it. CPUs from nproc (what this process may use); RealMemory 90%
# of what slurmd measures: a node configured with more memory than it has is drained.
host="$(hostname -s)"
cpus="$(nproc)"
mem_mb="$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')"
[[ -n "$mem_mb" ]] || fail "slurmd -C reported no RealMemory"
mem_mb=$((mem_mb * 9 / 10))

# Replace Debian's config (the default path every Slurm command reads), keeping the old.
mkdir -p /etc/slurm
# No cgroup.conf: no cgroup plugin is configured, and slurmd 22.05 runs without one.
# One left by a run of this script that was killed (SIGKILL skips the trap) is not kept.
marker="# Written by ecsim scripts/slurm-test.sh"
file=/etc/slurm/slurm.conf
if [[ -e "$file" ]] && [[ "$(head -n 1 "$file")" != "$marker"* ]]; then
    cp -p "$file" "$tmp/backup/${file##*/}"
fi
restore_files+=("$file")
# Everything stateful lives under $tmp. Addresses are 127.0.0.1: nothing leaves the
# machine. linuxproc/task none/no accounting: no cgroups, which containers often lack.
# jobcomp/filetxt records every finished task (state, exit code) without slurmdbd.
cat >/etc/slurm/slurm.conf <<EOF
$marker; the previous file is put back when it ends.
ClusterName=ecsim-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$state/state
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$state/jobcomp.txt
KillWait=5
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
log "wrote /etc/slurm/slurm.conf: node $host, $cpus CPUs, ${mem_mb} MB"

# start_daemon NAME PIDFILE: starts NAME as a daemon and records its pid for cleanup.
start_daemon() {
    local name=$1 pidfile=$2
    "$name" || fail "$name did not start"
    wait_for 10 "$name wrote no pid file $pidfile" test -s "$pidfile"
    started_pids+=("$name:$(cat "$pidfile")")
    log "$name started (pid $(cat "$pidfile"))"
}
start_daemon slurmctld "$state/slurmctld.pid"
ctld_up() { scontrol ping | grep -q 'is UP'; }
wait_for "$daemon_timeout" "slurmctld does not answer scontrol ping" ctld_up
start_daemon slurmd "$state/slurmd.pid"
node_idle() { [[ "$(sinfo -h -n "$host" -o %T)" == idle ]]; }
wait_for "$daemon_timeout" "node $host is not idle" node_idle
log "$(scontrol ping)"
sinfo

# run_jobs JOBID...: waits until none of the jobs is queued or running (or fails the test
# after $job_timeout s), then prints the state and exit code of each job and array task
# and fails the test unless all COMPLETED with exit code 0.
run_jobs() {
    local deadline=$((SECONDS + job_timeout)) ids
    ids=$(IFS=,; echo "$*")
    while [[ -n "$(squeue -h -j "$ids" -o %i 2>/dev/null)" ]]; do
        ((SECONDS < deadline)) || fail "jobs $ids still queued or running after $job_timeout s: $(squeue -j "$ids" 2>&1)"
        sleep 0.5
    done
    # `scontrol show job` keeps finished jobs for MinJobAge (300 s); one line per array
    # task. sacct would need slurmdbd.
    local ok=true line id task jstate exit
    for id in "$@"; do
        while read -r line; do
            task='' jstate='' exit=''
            [[ "$line" =~ (^| )ArrayTaskId=([^ ]*) ]] && task=${BASH_REMATCH[2]}
            [[ "$line" =~ (^| )JobState=([^ ]*) ]] && jstate=${BASH_REMATCH[2]}
            [[ "$line" =~ (^| )ExitCode=([^ ]*) ]] && exit=${BASH_REMATCH[2]}
            log "job $id${task:+ task $task}: $jstate, exit code $exit"
            [[ "$jstate" == COMPLETED && "$exit" == 0:0 ]] || ok=false
        done < <(scontrol -o show job "$id")
    done
    if ! $ok; then
        # The jobs' own output says why: every log is named ...-JOBID_TASK.out or -JOBID.out.
        local f
        for id in "$@"; do
            for f in "$tmp/logs/"*"-${id}_"*.out "$tmp/logs/"*"-${id}.out"; do
                [[ -e "$f" ]] || continue
                echo "---- ${f##*/}" >&2
                cat "$f" >&2
            done
        done
        fail "a job did not complete with exit code 0"
    fi
}

# ---- 3. dummy array job -----------------------------------------------------------------
step "3. dummy array job: sbatch --array=0-2 --wrap 'env | grep ^SLURM_ARRAY'"
# Slurm alone, before any ecsim: which SLURM_ARRAY_* variables does each task get?
# (Single quotes: the task's shell expands them, not this one.)
# shellcheck disable=SC2016
dummy=$(sbatch --parsable --array=0-2 --job-name=dummy --output="$tmp/logs/dummy-%A_%a.out" \
    --wrap 'echo "task $SLURM_ARRAY_TASK_ID: $(env | grep ^SLURM_ARRAY | sort | tr "\n" " ")"')
submitted_jobs+=("$dummy")
log "submitted job $dummy"
run_jobs "$dummy"
for task in 0 1 2; do
    out="$tmp/logs/dummy-${dummy}_$task.out"
    [[ -s "$out" ]] || fail "the dummy job's task $task wrote no $out"
    cat "$out"
    grep -q "SLURM_ARRAY_TASK_ID=$task " "$out" || fail "task $task did not see SLURM_ARRAY_TASK_ID=$task"
    grep -q "SLURM_ARRAY_TASK_COUNT=3 " "$out" || fail "task $task did not see SLURM_ARRAY_TASK_COUNT=3"
done

if $slurm_only; then
    step "done (--slurm-only: no sweep)"
    exit 0
fi

# ---- 4. the sweep, unsharded and as an array job ----------------------------------------
step "4a. unsharded: ecsim sweep $sweep --out \$tmp/full --threads 1 --quiet"
"$ecsim" sweep "$sweep" --out "$tmp/full" --threads 1 --quiet
for f in runs.csv cells.csv cells.json; do
    [[ -s "$tmp/full/$f" ]] || fail "the unsharded sweep wrote no $f"
done

step "4b. array job: $tasks shards (sweep-array.sbatch), then a merge job (afterok)"
# The submitter's environment goes with the jobs (sbatch's default --export=ALL): the
# shards must not inherit a shard index from it, only from Slurm.
export ECSIM_BIN="$ecsim"
unset ECSIM_SHARDS JOB_COMPLETION_INDEX AWS_BATCH_JOB_ARRAY_INDEX AWS_BATCH_JOB_ARRAY_SIZE
array=$(sbatch --parsable --array=0-$((tasks - 1)) --output="$tmp/logs/%x-%A_%a.out" \
    scripts/slurm/sweep-array.sbatch "$sweep" "$tmp" --quiet)
submitted_jobs+=("$array")
merge=$(sbatch --parsable --dependency=afterok:"$array" --output="$tmp/logs/%x-%j.out" \
    scripts/slurm/sweep-merge.sbatch "$tmp")
submitted_jobs+=("$merge")
log "submitted array job $array and merge job $merge"
run_jobs "$array" "$merge"
for log_file in "$tmp"/logs/ecsim-sweep-*.out "$tmp"/logs/ecsim-merge-*.out; do
    echo "---- ${log_file##*/}"
    cat "$log_file"
done

step "4c. cmp merged output against the unsharded sweep"
for task in $(seq 0 $((tasks - 1))); do
    [[ -s "$tmp/shard-$task/sweep.json" ]] || fail "array task $task wrote no shard-$task/sweep.json"
done
for f in runs.csv cells.csv cells.json; do
    cmp "$tmp/full/$f" "$tmp/merged/$f" || fail "merged $f differs from the unsharded sweep's"
    log "identical: $f ($(wc -c <"$tmp/full/$f") bytes)"
done

# ---- 5. negative check ------------------------------------------------------------------
step "5. merge of 2 of the $tasks shards must fail and write nothing"
if "$ecsim" merge "$tmp/shard-0" "$tmp/shard-1" --out "$tmp/partial" 2>"$tmp/partial.err"; then
    fail "ecsim merge accepted 2 of $tasks shards"
fi
log "ecsim merge refused: $(head -n 3 "$tmp/partial.err")"
if [[ -e "$tmp/partial" ]] && [[ -n "$(ls -A "$tmp/partial")" ]]; then
    fail "the failed merge wrote into $tmp/partial: $(ls -A "$tmp/partial" | tr '\n' ' ')"
fi

step "summary (the daemons are stopped next)"
printf '%s\n' "${timings[@]}"
