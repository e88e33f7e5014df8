#!/usr/bin/env bash
# Branch coverage of the systemd-facing half (src/trial, src/run) by the unit tests alone: no
# root, no systemd, no integration test counts. Builds the unit-test binary with
# -Db_coverage=true (unoptimised, so branches are the source's) in its own build directory,
# clears old counters, runs every unit suite in it, then reports with gcovr.
#
#   scripts/coverage.sh [DIR...]   source directories to report (default: src/trial src/run)
#
# gcovr counts every edge a C++ exception may take (each call that can throw, each destructor
# run while unwinding) as a branch; --exclude-throw-branches and --exclude-unreachable-branches
# leave those out, so the percentage is about the decisions the code makes.
#
# Environment: HB_COV_BUILD_DIR (default <repo>/build-cov). Writes coverage.txt (per file) and
# coverage.html (annotated sources) there. Exit status: non-zero when the build or a test fails.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${HB_COV_BUILD_DIR:-$root/build-cov}
dirs=("$@")
[[ ${#dirs[@]} -gt 0 ]] || dirs=(src/trial src/run)

if [[ ! -f $out/build.ninja ]]; then
  meson setup "$out" "$root" -Db_coverage=true --buildtype=debug
fi
meson compile -C "$out" unit_tests
find "$out" -name '*.gcda' -delete
"$out/tests/unit_tests" --no-intro=true --minimal=true

filters=()
for dir in "${dirs[@]}"; do filters+=(--filter "${dir%/}/"); done
cd "$root"
gcov_options=(--root "$root" --object-directory "$out" "${filters[@]}"
  --exclude-throw-branches --exclude-unreachable-branches)
gcovr "${gcov_options[@]}" --branches --output "$out/coverage.txt"
gcovr "${gcov_options[@]}" --html-details "$out/coverage.html"
cat "$out/coverage.txt"
# gcovr replaces its --output file (a new regular file): never point it at /dev/null.
gcovr "${gcov_options[@]}" --print-summary --output "$out/coverage-summary.txt"
