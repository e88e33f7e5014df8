#!/bin/bash
# Fault injection against the real systemd (run under tests/sandbox/with-sandbox.sh):
#  1. SIGKILL harden-bisect mid-run: the next run restarts the original it had stopped and
#     removes its copies; `--resume` reuses the recorded verdicts and gives the same drop-in
#     as an uninterrupted run.
#  2. A probe that fails one time in three gives the same result with --retries 2.
#  3. A probe that leaves a child behind: no process of it survives the run.
#  4. A second run on the same unit while one runs is refused (lock).
set -euo pipefail
HB=$1
source "$(dirname "$0")/lib.sh"
unit=hb-example-http-plain.service
probe=$repo/examples/http-plain/probe.sh
work=$(mktemp -d /var/tmp/hb-crash.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

install_examples
common=(--probe "$probe" --probe-timeout 3 --settle 3 --state-dir "$work/state" --stop-original
        --only NoNewPrivileges --only ProtectSystem --only PrivateNetwork --only IPAddressDeny
        --only CapabilityBoundingSet=~CAP_NET --only RestrictAddressFamilies --only PrivateTmp)

echo "== reference run"
ctl systemctl start "$unit"
"$HB" "${common[@]}" -o "$work/reference.conf" "$unit" 2>"$work/reference.log" ||
    { cat "$work/reference.log"; fail "reference run failed"; }
[ "$(ctl systemctl is-active "$unit")" = active ] || fail "original not active after a normal run"
settings "$work/reference.conf" >"$work/reference.settings"
[ -s "$work/reference.settings" ] || fail "reference drop-in has no settings"

echo "== SIGKILL mid-run"
"$HB" "${common[@]}" -o "$work/killed.conf" "$unit" 2>"$work/killed.log" &
pid=$!
journal=$work/state/$unit.journal.json
for _ in $(seq 1 600); do
    n=$(grep -c '"kind"' "$journal" 2>/dev/null || true)
    [ "${n:-0}" -ge 3 ] && break
    sleep 0.05
done
[ "${n:-0}" -ge 3 ] || { cat "$work/killed.log"; fail "run never recorded 3 trials"; }
kill -KILL "$pid"; wait "$pid" 2>/dev/null || true
[ "$(ctl systemctl is-active "$unit" || true)" != active ] || fail "original should be down right after the SIGKILL (the run had stopped it)"
grep -q '"original_stopped": true' "$journal" || fail "journal does not record the stopped original"

echo "== resume"
"$HB" "${common[@]}" --resume -o "$work/resumed.conf" "$unit" 2>"$work/resumed.log" ||
    { cat "$work/resumed.log"; fail "resumed run failed"; }
grep -q "found an interrupted run" "$work/resumed.log" || fail "interrupted run not detected"
grep -q "restarted $unit, which the interrupted run had stopped" "$work/resumed.log" ||
    fail "stopped original not recovered"
grep -Eq "resumed: [0-9]+ recorded verdicts reused" "$work/resumed.log" || { cat "$work/resumed.log"; fail "no verdict reused"; }
settings "$work/resumed.conf" | diff "$work/reference.settings" - || fail "resumed drop-in differs"
[ "$(ctl systemctl is-active "$unit")" = active ] || fail "original not active after the resumed run"
[ -z "$(copies)" ] || fail "copies left behind: $(copies)"
[ ! -e "$journal" ] || fail "journal not removed after a finished run"

echo "== flaky probe, --retries 2"
cat >"$work/flaky.sh" <<FLAKY
#!/bin/bash
# Fails every third call, whatever the service does.
n=\$(( \$(cat "$work/count" 2>/dev/null || echo 0) + 1 )); echo "\$n" >"$work/count"
[ \$((n % 3)) -eq 0 ] && { echo "flaky failure \$n"; exit 1; }
exec "$probe"
FLAKY
chmod +x "$work/flaky.sh"
"$HB" "${common[@]/$probe/$work/flaky.sh}" --retries 2 -o "$work/flaky.conf" "$unit" 2>"$work/flaky.log" ||
    { cat "$work/flaky.log"; fail "flaky run failed"; }
settings "$work/flaky.conf" | diff "$work/reference.settings" - || fail "flaky probe changed the result"

echo "== probe leaving a child behind"
cat >"$work/leaky.sh" <<LEAKY
#!/bin/bash
sleep 1000 --hb-leak-marker 2>/dev/null &
exec "$probe"
LEAKY
sed -i 's/sleep 1000 --hb-leak-marker/exec -a hb-leak-marker sleep 1000/' "$work/leaky.sh"
sed -i 's/^exec -a hb-leak-marker sleep 1000 2>\/dev\/null &/(exec -a hb-leak-marker sleep 1000) \&/' "$work/leaky.sh"
chmod +x "$work/leaky.sh"
"$HB" --probe "$work/leaky.sh" --probe-timeout 3 --settle 3 --state-dir "$work/state" \
    --stop-original --only NoNewPrivileges -o /dev/null "$unit" 2>"$work/leaky.log" ||
    { cat "$work/leaky.log"; fail "leaky run failed"; }
! pgrep -f hb-leak-marker >/dev/null || fail "a probe child survived: $(pgrep -af hb-leak-marker)"

echo "== daemon-reexec mid-run"
"$HB" "${common[@]}" -o "$work/reexec.conf" "$unit" 2>"$work/reexec.log" &
pid=$!
for _ in $(seq 1 600); do
    [ "$(grep -c '"kind"' "$journal" 2>/dev/null || echo 0)" -ge 2 ] && break
    sleep 0.05
done
ctl systemctl daemon-reexec
set +e; wait "$pid"; rc=$?; set -e
[ "$rc" = 0 ] || { cat "$work/reexec.log"; fail "run across daemon-reexec exited $rc"; }
settings "$work/reexec.conf" | diff "$work/reference.settings" - || fail "daemon-reexec changed the result"
[ "$(ctl systemctl is-active "$unit")" = active ] || fail "original not active after the reexec run"
[ -z "$(copies)" ] || fail "copies left behind after reexec: $(copies)"

echo "== lock"
"$HB" "${common[@]}" -o /dev/null "$unit" 2>/dev/null &
pid=$!
for _ in $(seq 1 100); do [ -s "$work/state/$unit.lock" ] && break; sleep 0.05; done
sleep 0.3
set +e
"$HB" "${common[@]}" -o /dev/null "$unit" 2>"$work/locked.log"
rc=$?
set -e
kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
[ "$rc" = 7 ] || { cat "$work/locked.log"; fail "second run exited $rc, expected 7 (locked)"; }
grep -q "another harden-bisect run is working on $unit" "$work/locked.log" || fail "lock message"
[ "$(ctl systemctl is-active "$unit")" = active ] || fail "original not active after SIGTERM"
[ -z "$(copies)" ] || fail "copies left behind after SIGTERM: $(copies)"
echo "PASS"
