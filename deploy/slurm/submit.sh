#!/bin/bash
# submit.sh: the sweep's 8 tasks, then a merge that starts only if all of them succeed.
# Run it in the folder that holds scenarios/; it prints the two job ids.
set -euo pipefail
OUT=${OUT:-results/opportunities-by-attrition}
mkdir -p logs                                # Slurm does not create the --output folder
sweep=$(sbatch --parsable --export=ALL,OUT="$OUT" "$(dirname "$0")/revsim-sweep.sbatch")
merge=$(sbatch --parsable --job-name=revsim-merge --dependency=afterok:"$sweep" \
  --kill-on-invalid-dep=yes --mem=1G --output=logs/revsim-merge-%j.out \
  --wrap "revsim merge $OUT")
echo "$sweep $merge"
