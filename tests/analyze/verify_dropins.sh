#!/bin/sh
# verify_dropins.sh SYSTEMD_ANALYZE FIXTURE_DIR
#
# Every golden drop-in under FIXTURE_DIR (tests/fixtures/dropin/*.conf, exactly what the drop-in
# writer produces; the unit suite "dropin" checks that) must pass `systemd-analyze verify` on a
# unit with it: exit 0 and not one complaint about the drop-in (verify only *warns* about unknown
# keys, bad values or unknown syscall groups, so its output is checked too). Offline: the unit and
# its drop-in directory are found through SYSTEMD_UNIT_PATH, no running systemd is needed.
# Exit 77 (skipped) without systemd-analyze.
set -eu
analyze=${1:-}
fixtures=$2
[ -n "$analyze" ] && [ -x "$analyze" ] || { echo "no systemd-analyze: skipped"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
count=0
for dropin in "$fixtures"/*.conf; do
    [ -e "$dropin" ] || continue
    count=$((count + 1))
    name=hb-verify-$count.service
    rm -rf "${work:?}"/*
    printf '[Unit]\nDefaultDependencies=no\n\n[Service]\nExecStart=/bin/true\n' >"$work/$name"
    mkdir "$work/$name.d"
    cp "$dropin" "$work/$name.d/50-harden-bisect.conf"
    out=$(SYSTEMD_UNIT_PATH="$work:" "$analyze" verify --no-pager "$name" 2>&1) && rc=0 || rc=$?
    if [ "$rc" -ne 0 ] || [ -n "$out" ]; then
        echo "FAIL: $dropin: systemd-analyze verify exited $rc:"
        echo "$out"
        status=1
    else
        echo "ok: $dropin"
    fi
done
[ "$count" -gt 0 ] || { echo "FAIL: no drop-in fixtures in $fixtures"; exit 1; }
exit $status
