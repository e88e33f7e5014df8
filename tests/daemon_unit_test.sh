#!/bin/bash
# Our own units are hardened (harden-bisectd.service, harden-bisect-plan@.service): exposure at
# most 2.0 (OK) by `systemd-analyze security --offline=true`, and `harden-bisect lint` gives the
# same number. The reasoning is in each unit's comments. A template is scored as an instance
# (NAME@nightly.service), as systemd-analyze scores what runs.
#   daemon_unit_test.sh HARDEN_BISECT SYSTEMD_ANALYZE(or "") UNIT_FILE
set -euo pipefail
hb=$1 analyze=$2 unit=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
name=$(basename "$unit")
name=${name/@./@nightly.}
cp "$unit" "$work/$name"

lint=$("$hb" lint --json short "$work/$name")
score=$(echo "$lint" | python3 -c 'import json,sys; d=json.load(sys.stdin); d=d[0] if isinstance(d,list) else d; print(d.get("exposure", d.get("score")))')
echo "lint: $score"
python3 -c "import sys; sys.exit(0 if float('$score') <= 2.0 else 1)" ||
    { echo "FAIL: harden-bisect lint says $score, above 2.0"; exit 1; }
if [ -z "$analyze" ]; then
    echo "systemd-analyze not found; lint alone checked"
    exit 0
fi
line=$("$analyze" security --offline=true "$work/$name" 2>&1 | tail -1)
echo "systemd-analyze: $line"
analyzed=$(echo "$line" | grep -oE '[0-9]+\.[0-9]' | head -1)
[ -n "$analyzed" ] || { echo "FAIL: no score from systemd-analyze"; exit 1; }
python3 -c "import sys; sys.exit(0 if float('$analyzed') <= 2.0 else 1)" ||
    { echo "FAIL: exposure $analyzed above 2.0"; exit 1; }
[ "$analyzed" = "$(printf '%.1f' "$score")" ] || { echo "FAIL: lint $score != systemd-analyze $analyzed"; exit 1; }
echo PASS
