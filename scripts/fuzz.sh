#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 60) each, one after another, and exits non-zero if
# any of them found a crash, a hang or an out-of-memory input.
#
#   scripts/fuzz.sh [SECONDS]
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`). cargo-fuzz wants a nightly compiler; a
# stable one works with RUSTC_BOOTSTRAP=1, which this script sets unless it is already set.
# Seeds are read from fuzz/corpus/TARGET (committed); what a run discovers goes to
# fuzz/work/TARGET (ignored by git), and failing inputs to fuzz/artifacts/TARGET.
set -euo pipefail

seconds=${1:-60}
cd "$(dirname "$0")/../fuzz"
export RUSTC_BOOTSTRAP=${RUSTC_BOOTSTRAP:-1}

cargo fuzz build
failed=()
for target in $(cargo fuzz list); do
    mkdir -p "work/$target"
    echo "== $target: $seconds s"
    # -timeout: one input running longer than 10 s is a hang; -rss_limit_mb: more than 2 GiB is
    # a memory blow-up. Both are reported as failures with the input saved.
    if ! cargo fuzz run "$target" "work/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048; then
        failed+=("$target")
    fi
done

if ((${#failed[@]})); then
    echo "fuzzing found failures in: ${failed[*]} (inputs under fuzz/artifacts/)" >&2
    exit 1
fi
echo "every fuzz target ran $seconds s without a failure"
