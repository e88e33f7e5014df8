#!/bin/bash
# `harden-bisect lint FILE` must print, for every non-template .service file installed on this
# machine, the unit name, exposure and predicate that `systemd-analyze security --offline=true
# FILE` prints. Every mismatch is reported; units the analyzer itself refuses are skipped with
# its reason. Usage: lint_installed_test.sh HARDEN_BISECT SYSTEMD_ANALYZE [DIR...]
set -u
hb=$1 analyze=$2
shift 2
dirs=("$@")
[ ${#dirs[@]} -eq 0 ] && dirs=(/lib/systemd/system /usr/lib/systemd/system /etc/systemd/system)
if [ -z "$analyze" ] || [ ! -x "$analyze" ]; then
  echo "systemd-analyze not found; skipping"
  exit 77
fi
export SYSTEMD_COLORS=0 LC_ALL=C.UTF-8
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# Every file once: /lib and /usr/lib are often the same directory.
declare -A seen
files=()
for dir in "${dirs[@]}"; do
  [ -d "$dir" ] || continue
  while IFS= read -r -d '' f; do
    key="$(realpath -e "$(dirname "$f")" 2>/dev/null)/$(basename "$f")"
    [ -n "${seen[$key]:-}" ] && continue
    seen[$key]=1
    files+=("$f")
  done < <(find "$dir" \( -type f -o -type l \) -name '*.service' ! -name '*@.service' -print0 | sort -z)
done

checked=0 skipped=0 mismatches=0
for f in "${files[@]}"; do
  if ! "$analyze" security --offline=true --no-pager "$f" >"$scratch/real" 2>"$scratch/err"; then
    echo "skip $f: analyzer refuses it: $(grep -v '^$' "$scratch/err" | tail -n 2 | tr '\n' ' ')"
    skipped=$((skipped + 1))
    continue
  fi
  real=$(sed -n 's/^.*Overall exposure level for \([^:]*\): \([0-9.]*\) \([A-Z]*\).*$/\1 \2 \3/p' "$scratch/real")
  ours=$("$hb" lint --candidates=0 "$f" 2>"$scratch/err" | sed -n '2p' | awk '{print $1, $2, $3}')
  checked=$((checked + 1))
  if [ "$real" != "$ours" ]; then
    echo "MISMATCH $f: systemd-analyze '$real', lint '$ours' $(head -c 300 "$scratch/err")"
    mismatches=$((mismatches + 1))
  fi
done
echo "lint checked against systemd-analyze on $checked unit files ($skipped refused by the analyzer): $mismatches mismatches"
[ "$checked" -gt 0 ] && [ "$mismatches" -eq 0 ]
