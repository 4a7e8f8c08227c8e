#!/usr/bin/env bash
# Time to the first (preliminary) and the refined answer of `revsim serve`, as the page sees
# them: the request the page sends on a change, timed by curl, REPEAT times each, median. The
# file as it is on a fresh server (its trials run, not cached); then one what-if (the hiring
# plan two months earlier) after the page has shown the file, as a person uses it (the file's
# runs kept, the what-if's run).
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
pid=
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
start() { # a fresh server (its cache of the files' runs empty) and a page's token
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -f "$work/out"
  "$BIN" serve scenarios --port 0 > "$work/out" 2>&1 &
  pid=$!
  for _ in $(seq 50); do grep -q http "$work/out" 2>/dev/null && break; sleep 0.1; done
  url=$(grep -o 'http://[^ ]*' "$work/out")
  token=$(curl -s "$url" | grep -o 'name="revsim-token" content="[0-9a-f]*"' | sed 's/.*content="//; s/"//')
}

ask() { # $1: preliminary (true/false), $2: JSON list of overrides; prints seconds
  curl -s -o "$work/answer.json" -w '%{time_total}\n' -X POST \
    -H "X-Revsim-Token: $token" -H 'Content-Type: application/json' \
    -d "{\"scenario\":\"$SCENARIO\",\"sets\":$2,\"preliminary\":$1}" "${url}api/run"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

faster='["hiring.headcount_plan=[{ month = \"2027-02\", seats = 55 }, { month = \"2027-11\", seats = 60 }]"]'
echo "revsim serve on $SCENARIO ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)), median of $REPEAT:"
# The file as it is, on a fresh server each time: its trials are run, not taken from the cache.
cold=$(for _ in $(seq "$REPEAT"); do start; ask true '[]'; done | median)
trials=$(python3 -c "import json; print(json.load(open('$work/answer.json'))['trials'])")
printf '  file     first answer (%s trials, fresh server) %.2f s\n' "$trials" "$cold"
# Then as a page goes on: the file's runs are kept, each change runs its what-if.
start
ask true '[]' > /dev/null
ask false '[]' > /dev/null
first=$(for _ in $(seq "$REPEAT"); do ask true "$faster"; done | median)
trials=$(python3 -c "import json; print(json.load(open('$work/answer.json'))['trials'])")
refined=$(for _ in $(seq "$REPEAT"); do ask false "$faster"; done | median)
full=$(python3 -c "import json; print(json.load(open('$work/answer.json'))['trials'])")
printf '  what-if  first answer (%s trials) %.2f s, refined (%s trials) %.2f s\n' "$trials" "$first" "$full" "$refined"
