#!/usr/bin/env bash
# Time to the first (preliminary) and the refined answer of `revsim serve`, as the page sees
# them: the request the page sends on a change, timed by curl, for the baseline as its file
# has it and for one what-if (the hiring plan two months earlier), REPEAT times each, median.
#
#   scripts/serve-latency.sh                       # scenarios/baseline.toml, release build
#   BIN=target/test-fast/revsim REPEAT=3 scripts/serve-latency.sh
#
# The machine's load changes these figures: run it on a quiet machine and say which.
set -euo pipefail
cd "$(dirname "$0")/.."
REPEAT=${REPEAT:-5}
SCENARIO=${SCENARIO:-baseline.toml}
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN=target/release/revsim
fi
work=$(mktemp -d)
"$BIN" serve scenarios --port 0 > "$work/out" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do grep -q http "$work/out" && break; sleep 0.1; done
url=$(grep -o 'http://[^ ]*' "$work/out")
token=$(curl -s "$url" | grep -o 'name="revsim-token" content="[0-9a-f]*"' | sed 's/.*content="//; s/"//')

ask() { # $1: preliminary (true/false), $2: JSON list of overrides; prints seconds
  curl -s -o "$work/answer.json" -w '%{time_total}\n' -X POST \
    -H "X-Revsim-Token: $token" -H 'Content-Type: application/json' \
    -d "{\"scenario\":\"$SCENARIO\",\"sets\":$2,\"preliminary\":$1}" "${url}api/run"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

faster='["hiring.headcount_plan=[{ month = \"2027-02\", seats = 55 }, { month = \"2027-11\", seats = 60 }]"]'
echo "revsim serve on $SCENARIO ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)), median of $REPEAT:"
for what in baseline what-if; do
  sets='[]'; [ "$what" = what-if ] && sets=$faster
  first=$(for _ in $(seq "$REPEAT"); do ask true "$sets"; done | median)
  trials=$(python3 -c "import json; print(json.load(open('$work/answer.json'))['trials'])")
  refined=$(for _ in $(seq "$REPEAT"); do ask false "$sets"; done | median)
  full=$(python3 -c "import json; print(json.load(open('$work/answer.json'))['trials'])")
  printf '  %-8s first answer (%s trials) %.2f s, refined (%s trials) %.2f s\n' "$what" "$trials" "$first" "$full" "$refined"
done
