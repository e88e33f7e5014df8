#!/usr/bin/env bash
# Fuzzes the catalogue loader: builds tests/fuzz/catalogue_fuzzer.cpp with clang++ and
# libFuzzer + ASan + UBSan into build-fuzz/ (outside meson), replays every seed of
# tests/fuzz/corpus/catalogue/ at full length, then fuzzes a throwaway copy of that corpus.
#
#   scripts/fuzz.sh [SECONDS]      fuzz for SECONDS (default 60; 0 = only replay the seeds)
#
# Exit status: 0 = no finding; 1 = a crash, leak, timeout, out-of-memory, UB or broken contract
# (the input is kept in build-fuzz/artifacts/ and printed in base64); 2 = usage or build
# problem. The seed corpus in the repository is never written to.
#
# Environment: CXX_FUZZ (default clang++), HB_FUZZ_BUILD_DIR (default <repo>/build-fuzz),
# HB_FUZZ_INVARIANTS=1 (also check what an accepted catalogue promises; see the fuzzer).
set -euo pipefail

seconds=${1:-60}
if [[ $# -gt 1 || ! $seconds =~ ^[0-9]+$ ]]; then
  echo "usage: $0 [SECONDS]" >&2
  exit 2
fi

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${HB_FUZZ_BUILD_DIR:-$root/build-fuzz}
cxx=${CXX_FUZZ:-clang++}
seeds=$root/tests/fuzz/corpus/catalogue
dict=$root/tests/fuzz/catalogue.dict
variant=catalogue_fuzzer
defines=()
if [[ ${HB_FUZZ_INVARIANTS:-0} == 1 ]]; then
  variant=catalogue_fuzzer_invariants
  defines=(-DHB_FUZZ_INVARIANTS)
fi

die() {
  echo "fuzz.sh: $*" >&2
  exit 2
}

# --- toolchain: clang++ with the libFuzzer runtime ------------------------------------------
command -v "$cxx" >/dev/null || die "$cxx not found (Debian: apt-get install clang)"
command -v pkg-config >/dev/null || die "pkg-config not found (Debian: apt-get install pkg-config)"
pkg-config --exists yaml-cpp libcap ||
  die "yaml-cpp or libcap development files missing (Debian: libyaml-cpp-dev libcap-dev)"

mkdir -p "$out"
has_fuzzer_runtime() {
  echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' |
    "$cxx" -fsanitize=fuzzer,address,undefined -x c++ - -o "$out/.runtime-probe.$$" 2>/dev/null
}
if ! has_fuzzer_runtime; then
  clang_major=$("$cxx" -dumpversion | cut -d. -f1)
  package=libclang-rt-$clang_major-dev
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "fuzz.sh: the libFuzzer runtime is missing; installing $package" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends "$package" >&2 ||
      { apt-get update >&2 && apt-get install -y --no-install-recommends "$package" >&2; } ||
      die "could not install $package"
    has_fuzzer_runtime || die "$package is installed but $cxx still cannot link -fsanitize=fuzzer"
  else
    die "$cxx cannot link -fsanitize=fuzzer: install $package (as root: apt-get install $package)"
  fi
fi
rm -f "$out/.runtime-probe.$$"

# --- build (incremental; serialized between concurrent runs) --------------------------------
exec 9>"$out/.lock"
flock 9

objdir=$out/obj-$variant
bin=$out/$variant
# shellcheck disable=SC2054,SC2207  # commas inside one flag; pkg-config output is words
cflags=(-std=c++20 -O1 -g -fno-omit-frame-pointer
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
  -I "$root/include"
  "-DHB_DATADIR=\"$root/data\"" "-DHB_SOURCE_DATADIR=\"$root/data\"" '-DHB_VERSION="fuzz"'
  "${defines[@]}" $(pkg-config --cflags yaml-cpp libcap))
# shellcheck disable=SC2207
libs=($(pkg-config --libs yaml-cpp libcap))

# A changed flag line (or compiler) rebuilds everything.
stamp="$("$cxx" --version | head -n1) ${cflags[*]} ${libs[*]}"
if [[ ! -f $objdir/flags || $(cat "$objdir/flags") != "$stamp" ]]; then
  rm -rf "$objdir"
fi
mkdir -p "$objdir"
printf '%s' "$stamp" >"$objdir/flags"

# Compiles one source to $2, instrumented. Fallback for code clang cannot compile yet
# (property.cpp uses aggregate CTAD, clang >= 17): g++ without instrumentation (no coverage or
# ASan checks inside that file, like yaml-cpp itself), with a warning.
compile_one() {
  local src=$1 obj=$2
  if "$cxx" "${cflags[@]}" -c "$src" -o "$obj.tmp" 2>"$obj.log"; then
    mv "$obj.tmp" "$obj"
  elif command -v g++ >/dev/null &&
    g++ -std=c++20 -O1 -g -I "$root/include" "${defines[@]}" -c "$src" -o "$obj.tmp" 2>/dev/null; then
    echo "fuzz.sh: warning: $cxx cannot compile ${src#"$root"/}; built with g++, uninstrumented" \
      "($(grep -m1 'error:' "$obj.log" | sed 's/^[^ ]* //'))" >&2
    mv "$obj.tmp" "$obj"
  else
    cat "$obj.log" >&2
    return 1
  fi
}

# The loader, the assignment model it validates with, and the property values that model uses.
sources=("$root"/tests/fuzz/catalogue_fuzzer.cpp "$root"/src/catalogue/*.cpp
  "$root"/src/core/assignment*.cpp "$root"/src/core/property.cpp "$root"/src/core/text.cpp
  "$root"/src/core/capabilities.cpp "$root"/src/core/option_groups.cpp
  "$root"/src/core/settings_table.cpp)
newest_header=$(find "$root/include" "$root/src/catalogue" "$root/src/core" -name '*.hpp' \
  -printf '%T@\n' | sort -n | tail -n1)
objects=()
pids=()
for src in "${sources[@]}"; do
  obj=$objdir/$(basename "$(dirname "$src")")_$(basename "${src%.cpp}").o
  objects+=("$obj")
  if [[ -f $obj && $obj -nt $src ]] &&
    awk -v o="$(stat -c %Y "$obj")" -v h="$newest_header" 'BEGIN { exit !(o > h) }'; then
    continue
  fi
  compile_one "$src" "$obj" &
  pids+=($!)
  # Keep at most nproc compilers running.
  if [[ ${#pids[@]} -ge $(nproc) ]]; then
    wait "${pids[0]}" || die "compiling failed"
    pids=("${pids[@]:1}")
  fi
done
for pid in "${pids[@]}"; do wait "$pid" || die "compiling failed"; done
relink=0
[[ -x $bin ]] || relink=1
for obj in "${objects[@]}"; do
  if [[ $obj -nt $bin ]]; then relink=1; fi
done
if [[ $relink == 1 ]]; then
  "$cxx" "${cflags[@]}" "${objects[@]}" "${libs[@]}" -o "$bin.tmp" || die "linking failed"
  mv "$bin.tmp" "$bin"
fi
flock -u 9

# --- run ------------------------------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/hb-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$out/artifacts"
cp "$seeds"/* "$work/corpus/"
symbolizer=$(command -v llvm-symbolizer || true)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:handle_abort=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
if [[ -n $symbolizer ]]; then export ASAN_SYMBOLIZER_PATH=$symbolizer; fi
unset HARDEN_BISECT_DATADIR  # `extends: builtin` loads <repo>/data/catalogue.yaml

# Prints the kept artifacts of this run in base64 (one per file) and fails.
report_failure() {
  local log=$1
  echo "fuzz.sh: FAILED; libFuzzer output (progress lines left out):" >&2
  # Of the seed replay, only the "Running:" line of the seed that failed is kept.
  grep -Ev '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse|INITED|RELOAD)' "$log" |
    awk '/^Running: / { running = $0; next }
         /^Executed / { running = ""; next }
         { if (running != "") print running; running = ""; print }' | tail -n 200 >&2
  local artifact
  grep -o "$out/artifacts/[^ ]*" "$log" | sort -u | while read -r artifact; do
    [[ -f $artifact ]] || continue
    echo "fuzz.sh: input $artifact (base64):" >&2
    base64 -w0 "$artifact" >&2
    echo >&2
  done
  exit 1
}

# 1. Every seed once, at full length (the fuzzing below truncates inputs to -max_len). Files
# given by name are only read; the last "Running:" line of a failure names the seed.
replay_log=$work/replay.log
if ! "$bin" "$seeds"/* >"$replay_log" 2>&1; then
  report_failure "$replay_log"
fi
echo "fuzz.sh: replayed $(find "$seeds" -type f | wc -l) seeds from tests/fuzz/corpus/catalogue"
if [[ $seconds == 0 ]]; then exit 0; fi

# 2. Fuzz a copy of the seeds.
fuzz_log=$work/fuzz.log
if ! "$bin" -max_len=4096 -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 \
  -print_final_stats=1 -dict="$dict" -artifact_prefix="$out/artifacts/" \
  "$work/corpus" >"$fuzz_log" 2>&1; then
  report_failure "$fuzz_log"
fi
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$fuzz_log")
took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$fuzz_log")
status=$(grep -E '^#[0-9]+' "$fuzz_log" | tail -n1)
cov=$(sed -n 's/.* cov: \([0-9]*\) .*/\1/p' <<<"$status")
features=$(sed -n 's/.* ft: \([0-9]*\) .*/\1/p' <<<"$status")
corpus=$(sed -n 's/.* corp: \([0-9]*\/[^ ]*\) .*/\1/p' <<<"$status")
rate=$((runs / (took > 0 ? took : 1)))
echo "fuzz.sh: no findings: ${runs} executions in ${took} s (${rate}/s);" \
  "coverage ${cov} edges, ${features} features; corpus ${corpus} (inputs/bytes)"
