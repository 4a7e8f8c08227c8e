#!/usr/bin/env bash
# Builds revsim and gathers what the container image holds (deploy/Dockerfile runs this script):
# the binary and the bundled scenarios, checked with that binary.
# Usage: scripts/build-release.sh DIST [PROFILE]
#   PROFILE defaults to release; CI passes test-fast, the profile its tests already built.
set -euo pipefail
cd "$(dirname "$0")/.."
dist=$1
profile=${2:-release}
cargo build --locked --profile "$profile" --bin revsim
mkdir -p "$dist"
install -m 0755 "${CARGO_TARGET_DIR:-target}/$profile/revsim" "$dist/revsim"
rm -rf "$dist/scenarios"
cp -r scenarios "$dist/scenarios"
"$dist/revsim" check "$dist"/scenarios/*.toml >/dev/null
echo "built $dist/revsim ($profile) and $(ls "$dist"/scenarios/*.toml | wc -l) scenarios"
