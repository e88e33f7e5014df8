#!/bin/bash
# Every wait has a deadline, and what the copy cannot reproduce is named (run under
# tests/sandbox/with-sandbox.sh):
#  - a copy that never finishes starting ends its trial with a verdict (start-failed);
#  - a service that ignores SIGTERM is SIGKILLed at --stop-timeout, the run goes on;
#  - a probe that never exits is a hang at --probe-timeout;
#  - settings older versions could not carry (CPUAffinity, LogLevelMax, SuccessExitStatus,
#    LoadCredential, IgnoreSIGPIPE) reach the copy with their values;
#  - --probe-user runs probes as that user; --apply refuses a symlinked drop-in directory;
#  - an applied drop-in whose unit then fails its probe is rolled back (exit 8).
set -uo pipefail
HB=$1
source "$(dirname "$0")/lib.sh"
work=$(mktemp -d /var/tmp/hb-deadlines.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
units=$HB_ROOT/etc/systemd/system
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
hb() { "$HB" --state-dir "$work/state" "$@"; }

printf '#!/bin/sh\nexit 0\n' >"$work/true.sh"
printf '#!/bin/bash\nexec -a hb-forever-marker sleep 1000\n' >"$work/forever.sh"
printf '#!/bin/sh\n[ "$(id -u)" = 65534 ] || { echo "probe runs as uid $(id -u)"; exit 1; }\n' >"$work/as-nobody.sh"
chmod 755 "$work"/*.sh

# A notify service that never says READY=1 and would wait forever.
printf '[Service]\nType=notify\nTimeoutStartSec=infinity\nExecStart=/bin/sleep 1000\n' >"$units/hb-never-ready.service"
# A service that ignores SIGTERM.
cat >"$units/hb-stubborn.service" <<'UNIT'
[Service]
ExecStart=/bin/bash -c 'trap "" TERM; while :; do sleep 1; done'
TimeoutStopSec=infinity
UNIT
# Settings older versions refused to copy.
cat >"$units/hb-affinity.service" <<'UNIT'
[Service]
ExecStart=/bin/sleep 1000
CPUAffinity=0
LogLevelMax=info
SuccessExitStatus=3 SIGUSR1
LoadCredential=hb-passwd:/etc/passwd
IgnoreSIGPIPE=no
UNIT
# The probe: the copy holds exactly the unit's values of those settings.
cat >"$work/carried.sh" <<PROBE
#!/bin/sh
"$HB_SANDBOX" ctl systemctl show -p CPUAffinity -p LogLevelMax -p SuccessExitStatus -p LoadCredential -p IgnoreSIGPIPE "\$HB_COPY" >"$work/carried.last"
cmp -s "$work/carried.last" "$work/carried.expected"
PROBE
chmod 755 "$work/carried.sh"
"$repo/examples/install.sh" --copy "$HB_ROOT" >/dev/null
reload

echo "== never ready: --start-timeout"
start=$(date +%s)
out=$(hb --probe "$work/true.sh" --start-timeout 3 --only NoNewPrivileges hb-never-ready.service 2>&1 >/dev/null); rc=$?
[ "$rc" = 5 ] && printf '%s' "$out" | tail -n1 | grep -q "start job did not finish within 3000 ms" ||
    fail "never-ready: exit $rc: $(printf '%s' "$out" | tail -n1)"
[ $(( $(date +%s) - start )) -lt 60 ] || fail "never-ready took $(( $(date +%s) - start )) s"
[ -z "$(copies)" ] || fail "never-ready left copies: $(copies)"

echo "== ignores SIGTERM: --stop-timeout"
start=$(date +%s)
out=$(hb --probe "$work/true.sh" --stop-timeout 2 --settle 1 --only NoNewPrivileges --only PrivateTmp hb-stubborn.service 2>&1 >"$work/stubborn.conf"); rc=$?
[ "$rc" = 0 ] || fail "stubborn: exit $rc: $(printf '%s' "$out" | tail -n1)"
grep -qx 'NoNewPrivileges=yes' "$work/stubborn.conf" || fail "stubborn: NoNewPrivileges not kept"
[ $(( $(date +%s) - start )) -lt 90 ] || fail "stubborn took $(( $(date +%s) - start )) s"
[ -z "$(copies)" ] || fail "stubborn left copies: $(copies)"

echo "== probe never exits: hang at --probe-timeout"
out=$(hb --probe "$work/forever.sh" --probe-timeout 1 --settle 1 --only NoNewPrivileges hb-example-forking.service 2>&1 >/dev/null); rc=$?
[ "$rc" = 5 ] && printf '%s' "$out" | tail -n1 | grep -q "even unhardened: hang" ||
    fail "forever probe: exit $rc: $(printf '%s' "$out" | tail -n1)"
! pgrep -f hb-forever-marker >/dev/null || fail "probe left behind: $(pgrep -af hb-forever-marker)"

echo "== settings older versions refused are carried with their values"
ctl systemctl show -p CPUAffinity -p LogLevelMax -p SuccessExitStatus -p LoadCredential \
    -p IgnoreSIGPIPE hb-affinity.service >"$work/carried.expected"
grep -qx "LogLevelMax=6" "$work/carried.expected" || fail "unexpected original: $(cat "$work/carried.expected")"
out=$(hb --probe "$work/carried.sh" --settle 1 --only NoNewPrivileges hb-affinity.service 2>&1 >/dev/null); rc=$?
last=$(printf '%s' "$out" | tail -n1)
[ "$rc" = 0 ] || fail "carried: exit $rc: $last"
[ "$rc" = 0 ] || diff "$work/carried.expected" "$work/carried.last"
[ -z "$(copies)" ] || fail "affinity left copies: $(copies)"

echo "== --probe-user"
hb --probe "$work/as-nobody.sh" --probe-user nobody --settle 1 --only NoNewPrivileges \
    hb-example-forking.service >/dev/null 2>"$work/nobody.log" || fail "--probe-user nobody: $(tail -n1 "$work/nobody.log")"

echo "== --apply refuses a symlinked drop-in directory"
mkdir -p "$work/elsewhere"
ln -sfn "$work/elsewhere" "$units/hb-example-forking.service.d"
out=$(hb --probe "$repo/examples/forking/probe.sh" --settle 2 --only NoNewPrivileges --apply --root "$HB_ROOT" \
      hb-example-forking.service 2>&1 >/dev/null); rc=$?
printf '%s' "$out" | tail -n1 | grep -q "refusing to write through symlink" || fail "symlink: exit $rc: $(printf '%s' "$out" | tail -n1)"
[ -z "$(ls "$work/elsewhere")" ] || fail "wrote through the symlink"
rm -f "$units/hb-example-forking.service.d"

echo "== --apply rolls back when the hardened unit fails its probe"
cat >"$work/fails-on-apply.sh" <<EOF2
#!/bin/sh
[ "\$HB_TRIAL" = apply ] && { echo "simulated failure of the applied unit"; exit 1; }
exec "$repo/examples/forking/probe.sh"
EOF2
chmod 755 "$work/fails-on-apply.sh"
"$HB_SANDBOX" ctl systemctl start hb-example-forking.service
out=$(hb --probe "$work/fails-on-apply.sh" --settle 2 --only NoNewPrivileges --only PrivateTmp --stop-original \
      --apply --root "$HB_ROOT" hb-example-forking.service 2>&1 >/dev/null); rc=$?
[ "$rc" = 8 ] || fail "rollback: exit $rc: $(printf '%s' "$out" | tail -n1)"
[ ! -e "$units/hb-example-forking.service.d/50-harden-bisect.conf" ] || fail "rollback left the drop-in"
[ "$("$HB_SANDBOX" ctl systemctl is-active hb-example-forking.service)" = active ] || fail "unit not active after rollback"
[ "$("$HB_SANDBOX" ctl systemctl show -p NoNewPrivileges --value hb-example-forking.service)" = no ] || fail "rolled-back setting still active"

echo "== on a terminal: live lines, and the same result"
# Under a pty, libsystemd colours what it prints; nothing may depend on that.
script -qec "$(printf '%q ' "$HB" --state-dir "$work/state" --probe "$repo/examples/forking/probe.sh" \
    --settle 2 --stop-original --only NoNewPrivileges --only PrivateNetwork -o "$work/tty.conf" hb-example-forking.service)" \
    "$work/tty.typescript" >/dev/null 2>&1; rc=$?
[ "$rc" = 0 ] || fail "on a tty: exit $rc: $(tail -n3 "$work/tty.typescript")"
grep -q "running…" "$work/tty.typescript" || fail "no live line on a tty"
grep -qx 'NoNewPrivileges=yes' "$work/tty.conf" || fail "tty run lost NoNewPrivileges"

[ "$failures" = 0 ] && echo PASS || { echo "$failures failures"; exit 1; }
