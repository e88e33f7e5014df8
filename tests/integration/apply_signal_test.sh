#!/bin/bash
# --apply under fire (run under tests/sandbox/with-sandbox.sh): SIGTERM at random moments of
# a run with --apply leaves either the old or the complete new drop-in, never a mix; the
# original is active afterwards and no copy is left. Then an uninterrupted --apply: the
# drop-in is 0644, the hardened unit passes its probe, systemd shows the kept settings.
set -euo pipefail
HB=$1
source "$(dirname "$0")/lib.sh"
unit=hb-example-http-plain.service
probe=$repo/examples/http-plain/probe.sh
dropin=$HB_ROOT/etc/systemd/system/$unit.d/50-harden-bisect.conf
work=$(mktemp -d /var/tmp/hb-apply.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# exec: backgrounded, the function runs in a subshell; $! must be harden-bisect itself.
run() {
    exec "$HB" --probe "$probe" --probe-timeout 3 --settle 3 --state-dir "$work/state" \
        --stop-original --apply --root "$HB_ROOT" -o "$work/out.conf" \
        --only NoNewPrivileges --only PrivateTmp --only ProtectSystem --only PrivateNetwork "$unit"
}

install_examples
ctl systemctl start "$unit"

echo "== uninterrupted --apply"
t0=$(date +%s.%N)
(run 2>"$work/log") || { cat "$work/log"; fail "apply run failed"; }
duration=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
[ -f "$dropin" ] || fail "no drop-in at $dropin"
[ "$(stat -c %a "$dropin")" = 644 ] || fail "drop-in mode $(stat -c %a "$dropin"), want 644"
settings "$dropin" >"$work/new.settings"
grep -qx 'ProtectSystem=strict' "$work/new.settings" || fail "ProtectSystem=strict not applied"
[ "$(ctl systemctl is-active "$unit")" = active ] || fail "unit not active after --apply"
[ "$(ctl systemctl show -p ProtectSystem --value "$unit")" = strict ] || fail "systemd does not show ProtectSystem=strict"
HB_UNIT=$unit "$probe" >/dev/null || fail "hardened unit fails its probe"
[ -z "$(copies)" ] || fail "copies left: $(copies)"

echo "== a second --apply over our own drop-in is refused"
set +e; (run 2>"$work/again.log"); rc=$?; set -e
[ "$rc" = 4 ] && grep -q "already has .*50-harden-bisect.conf" "$work/again.log" ||
    { cat "$work/again.log"; fail "second --apply exited $rc, want 4"; }

echo "== SIGTERM at random moments"
# Spread the signals over the whole run, the last rounds around its end (the --apply step).
for i in $(seq 1 8); do
    rm -f "$dropin"
    reload
    ctl systemctl restart "$unit"
    run 2>"$work/log.$i" &
    pid=$!
    sleep "$(awk -v s="$RANDOM" -v d="$duration" -v i="$i" 'BEGIN { srand(s); f = (i <= 4) ? rand() : 0.85 + rand() * 0.2; printf "%.2f", 0.2 + f * d }')"
    kill -TERM "$pid" 2>/dev/null || true
    set +e; wait "$pid"; rc=$?; set -e
    if [ ! -e "$dropin" ]; then
        state=old
    elif diff -q <(settings "$dropin") "$work/new.settings" >/dev/null && [ "$(tail -c1 "$dropin" | od -An -c | tr -d ' ')" = '\n' ]; then
        state=new
    else
        cat "$dropin"; fail "round $i: drop-in is neither the old nor the complete new one"
    fi
    for _ in $(seq 1 50); do [ "$(ctl systemctl is-active "$unit" || true)" = active ] && break; sleep 0.1; done
    [ "$(ctl systemctl is-active "$unit" || true)" = active ] || { cat "$work/log.$i"; fail "round $i: unit not active (exit $rc)"; }
    [ -z "$(copies)" ] || fail "round $i: copies left: $(copies)"
    ls "$(dirname "$dropin")" | grep -q tmp && fail "round $i: temp file left"
    echo "round $i: exit $rc, drop-in $state: $(tail -n1 "$work/log.$i")"
    case $rc in 0|130) ;; *) cat "$work/log.$i"; fail "round $i: exit $rc, want 0 or 130" ;; esac
done
echo PASS
