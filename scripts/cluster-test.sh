#!/usr/bin/env bash
# The Slurm path of docs/cluster.md, run for real on a one-node cluster (scripts/slurm-one-node.sh):
# submits deploy/slurm/submit.sh as written, checks the merged sweep equals a one-machine sweep
# byte for byte, then kills one task while it runs, resubmits it alone and checks again.
# Usage: scripts/cluster-test.sh PATH/TO/revsim   (as root, on a machine with slurm-wlm and munge)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin"
ln -s "$bin" "$work/bin/revsim"
export PATH="$work/bin:$PATH"
cp -r "$repo/scenarios" "$repo/deploy/slurm/revsim-sweep.sbatch" "$repo/deploy/slurm/submit.sh" "$work/"
cd "$work"

# A cluster this test starts, it stops again (its state lives in $work).
if pgrep -x slurmctld >/dev/null; then
    trap 'rm -rf "$work"' EXIT
else
    trap 'pkill -x slurmd; pkill -x slurmctld; sleep 1; rm -rf "$work"' EXIT
fi
"$repo/scripts/slurm-one-node.sh" "$work/slurm-state" >/dev/null

state() { scontrol show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | sort -u | tr '\n' ' '; }
wait_gone() { # until no task of job $1 is pending or running
    for _ in $(seq 900); do
        squeue -h -j "$1" 2>/dev/null | grep -q . || return 0
        sleep 1
    done
    echo "job $1 still queued after 15 minutes" >&2; squeue >&2; return 1
}
same() { # every file of the one-machine sweep, byte for byte
    local bad=0
    diff <(cd one && find . -type f | sort) <(cd "$1" && find . -type f | sort) || bad=1
    for f in $(cd one && find . -type f | sort); do
        cmp -s "one/$f" "$1/$f" || { echo "differs: $f" >&2; bad=1; }
    done
    return $bad
}

export TRIALS=200
echo "one machine: revsim sweep as in revsim-sweep.sbatch, unsharded"
revsim sweep scenarios/baseline.toml \
  --vary pipeline.opportunities_per_rep_month=3.0..6.0:0.25 \
  --vary attrition.annual_rate=0.2..0.4:0.05 \
  --trials "$TRIALS" --seed 2027 --out one --quiet

echo "slurm: ./submit.sh"
read -r sweep merge < <(./submit.sh)
wait_gone "$sweep"; wait_gone "$merge"
[[ "$(state "$merge")" == "JobState=COMPLETED " ]] || { echo "merge: $(state "$merge")" >&2; cat logs/* >&2; exit 1; }
same results/opportunities-by-attrition
echo "  8 tasks and the merge: identical to the one-machine sweep"

echo "slurm: kill task 2 while it runs, resubmit it alone"
export OUT=results/killed TRIALS=200
read -r sweep merge < <(./submit.sh)
for _ in $(seq 600); do
    [[ "$(squeue -h -j "${sweep}_2" -o %T 2>/dev/null)" == RUNNING ]] && break
    sleep 0.1
done
scancel --signal=KILL --full "${sweep}_2"   # as an out-of-memory kill would
wait_gone "$sweep"; wait_gone "$merge"
[[ "$(state "${sweep}_2")" != "JobState=COMPLETED " ]] || { echo "task 2 finished before it was killed" >&2; exit 1; }
[[ ! -e results/killed/sweep.csv ]] || { echo "merged although task 2 was killed" >&2; exit 1; }
if revsim merge results/killed >/dev/null 2>err.txt; then echo "merge accepted a missing shard" >&2; exit 1; fi
grep -q "no result" err.txt || { cat err.txt >&2; exit 1; }
rerun=$(sbatch --parsable --export=ALL --array=2 revsim-sweep.sbatch)
wait_gone "$rerun"
[[ "$(state "$rerun")" == "JobState=COMPLETED " ]] || { echo "rerun: $(state "$rerun")" >&2; exit 1; }
revsim merge results/killed --quiet
same results/killed
echo "  task 2 killed, resubmitted alone, merged: identical to the one-machine sweep"
