#!/bin/bash
# harden-bisectd against the real systemd (run under tests/sandbox/with-sandbox.sh):
#  1. the daemon runs as a unit in the container, started by bus activation; a job submitted
#     from the host (harden-bisect submit --wait) gets its TrialFinished lines live and ends
#     with the same drop-in as an in-process run;
#  2. SIGKILL of the daemon mid-job: systemd restarts it, the job resumes from its trial
#     journal, same drop-in, original running, no copies left;
#  3. each bad argument gets its named D-Bus error; an unprivileged caller is refused;
#  4. two jobs on one unit queue, cancel of a queued job.
#   daemon_test.sh HARDEN_BISECT HARDEN_BISECTD
set -euo pipefail
HB=$1
HBD=$(readlink -f "$2")  # meson passes it relative to the build dir
source "$(dirname "$0")/lib.sh"
unit=hb-example-http-plain.service
work=$(mktemp -d /var/tmp/hb-daemon.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() {
    echo "FAIL: $*" >&2
    "$HB_SANDBOX" journal -u harden-bisectd.service -n 60 --no-pager >&2 || true
    exit 1
}
mgr() { busctl call org.hardenbisect1 /org/hardenbisect1 org.hardenbisect1.Manager "$@"; }
prop() { busctl get-property org.hardenbisect1 "$1" org.hardenbisect1.Job "$2" | cut -d' ' -f2-; }

install_examples
# The probe in a root-owned directory of the container (the daemon refuses others); the host's
# in-process run uses the same files through HB_ROOT.
probedir=/usr/local/lib/hb-daemon-test
mkdir -p "$HB_ROOT$probedir/examples/http-plain" "$HB_ROOT$probedir/probes"
cp "$repo/examples/http-plain/probe.sh" "$HB_ROOT$probedir/examples/http-plain/probe.sh"
cp "$repo/probes/http-ok" "$HB_ROOT$probedir/probes/http-ok"
chown -R root:root "$HB_ROOT$probedir"
chmod -R go-w,a+rX "$HB_ROOT$probedir"
probe=$probedir/examples/http-plain/probe.sh

# The daemon: unit (this build's binary), bus activation, bus policy; then reload dbus + systemd.
mkdir -p "$HB_ROOT/etc/systemd/system" "$HB_ROOT/etc/dbus-1/system.d" \
    "$HB_ROOT/usr/share/dbus-1/system-services"
sed "s|@libexecdir@/harden-bisectd|$HBD|" "$repo/data/systemd/harden-bisectd.service.in" \
    >"$HB_ROOT/etc/systemd/system/harden-bisectd.service"
cp "$repo/data/dbus/org.hardenbisect1.service" "$HB_ROOT/usr/share/dbus-1/system-services/"
cp "$repo/data/dbus/org.hardenbisect1.conf" "$HB_ROOT/etc/dbus-1/system.d/"
"$HB_SANDBOX" exec groupadd -f -r harden-bisect
reload
busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig
sleep 0.5

common=(--probe-timeout 3 --settle 3 --stop-original
        --only NoNewPrivileges --only ProtectSystem --only PrivateNetwork --only IPAddressDeny
        --only CapabilityBoundingSet=~CAP_NET --only RestrictAddressFamilies --only PrivateTmp)

echo "== in-process reference run"
ctl systemctl start "$unit"
"$HB" --probe "$HB_ROOT$probe" --no-trace "${common[@]}" --state-dir "$work/state" \
    -o "$work/reference.conf" "$unit" 2>"$work/reference.log" ||
    { cat "$work/reference.log"; fail "reference run failed"; }
settings "$work/reference.conf" >"$work/reference.settings"
[ -s "$work/reference.settings" ] || fail "reference drop-in has no settings"
ref_trials=$(grep -c '^trial ' "$work/reference.log")

echo "== submit --wait over the container's bus (bus activation)"
[ "$(ctl systemctl is-active harden-bisectd.service || true)" != active ] ||
    fail "daemon already running before the first call"
"$HB" submit --wait --probe "$probe" "${common[@]}" -o "$work/daemon.conf" --json "$work/daemon.json" \
    "$unit" 2>"$work/daemon.log" || { cat "$work/daemon.log"; fail "submit --wait failed"; }
cat "$work/daemon.log"
[ "$(ctl systemctl is-active harden-bisectd.service)" = active ] || fail "daemon not active"
settings "$work/daemon.conf" | diff "$work/reference.settings" - ||
    fail "daemon's drop-in differs from the in-process run's"
n=$(grep -c '^trial ' "$work/daemon.log")
[ "$n" = "$ref_trials" ] || fail "$n trial lines from TrialFinished, in-process run had $ref_trials"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["unit"]==sys.argv[2]' \
    "$work/daemon.json" "$unit" || fail "JSON report (Result) is not the run's"
[ "$(ctl systemctl is-active "$unit")" = active ] || fail "original not active after the job"
[ -z "$(copies)" ] || fail "copies left behind: $(copies)"
"$HB" jobs | grep -E "^1 +$unit +done" || fail "jobs does not list job 1 as done"
ctl systemctl show -p StatusText harden-bisectd.service | grep -q 'StatusText=idle' ||
    fail "STATUS= not idle: $(ctl systemctl show -p StatusText harden-bisectd.service)"

echo "== SIGKILL of the daemon mid-job: restarted by systemd, the job resumes"
path=$("$HB" submit --probe "$probe" "${common[@]}" "$unit")
[ "$path" = /org/hardenbisect1/job/2 ] || fail "second job is $path"
for _ in $(seq 1 600); do
    done_=$(prop "$path" TrialsDone 2>/dev/null || echo 0)
    [ "${done_:-0}" -ge 3 ] && break
    sleep 0.05
done
[ "${done_:-0}" -ge 3 ] || fail "job never did 3 trials"
ctl systemctl show -p StatusText harden-bisectd.service | grep -q 'job 2' || fail "STATUS= does not name job 2"
ctl systemctl kill --signal=KILL harden-bisectd.service
for _ in $(seq 1 1200); do
    state=$(prop "$path" State 2>/dev/null || echo '"?"')
    [ "$state" = '"done"' ] || [ "$state" = '"failed"' ] && break
    sleep 0.1
done
[ "$state" = '"done"' ] || fail "resumed job ended as $state"
"$HB_SANDBOX" journal -u harden-bisectd.service --no-pager | grep -q "job 2: resuming" ||
    fail "the restarted daemon did not resume job 2"
"$HB_SANDBOX" journal -u harden-bisectd.service --no-pager |
    grep -Eq "resumed: [0-9]+ recorded verdicts reused" || fail "no recorded verdict reused"
busctl --json=short get-property org.hardenbisect1 "$path" org.hardenbisect1.Job DropIn |
    python3 -c 'import sys,json; sys.stdout.write(json.load(sys.stdin)["data"])' >"$work/resumed.conf"
settings "$work/resumed.conf" | diff "$work/reference.settings" - || fail "resumed drop-in differs"
[ "$(ctl systemctl is-active "$unit")" = active ] || fail "original not active after the resume"
[ -z "$(copies)" ] || fail "copies left behind after the resume: $(copies)"
[ -z "$(ls "$HB_ROOT/var/lib/harden-bisectd/runs/"*.journal.json 2>/dev/null)" ] ||
    fail "trial journal left behind"
# Job 1 survived the restart too, with its result.
[ "$(prop /org/hardenbisect1/job/1 State)" = '"done"' ] || fail "job 1 lost in the restart"

echo "== bad arguments get named errors"
err_name() { # ARGS... : the D-Bus error name of a Manager call, via python (busctl hides it)
    python3 - "$@" <<'PY'
import subprocess, sys
r = subprocess.run(["gdbus", "call", "--system", "--dest", "org.hardenbisect1", "--object-path",
                    "/org/hardenbisect1", "--method", "org.hardenbisect1.Manager." + sys.argv[1]]
                   + sys.argv[2:], capture_output=True, text=True)
print(r.stderr.strip() or r.stdout.strip())
PY
}
check_err() { # NAME METHOD ARGS...
    local want=$1 out
    shift
    out=$(err_name "$@")
    echo "  $out"
    echo "$out" | grep -q "$want" || fail "expected $want from $*, got: $out"
}
check_err org.hardenbisect1.Error.UnknownUnit Submit "no-such-unit.service" "['$probe']" '{}'
check_err org.hardenbisect1.Error.Template Submit "getty@.service" "['$probe']" '{}'
check_err org.hardenbisect1.Error.BadUnitName Submit "not a unit" "['$probe']" '{}'
check_err org.hardenbisect1.Error.BadProbe Submit "$unit" "['probe.sh']" '{}'
check_err org.hardenbisect1.Error.BadProbe Submit "$unit" "['/tmp']" '{}'
check_err org.hardenbisect1.Error.BadProbe Submit "$unit" "@as []" '{}'
check_err org.hardenbisect1.Error.BadOption Submit "$unit" "['$probe']" "{'no-such': <true>}"
check_err org.hardenbisect1.Error.BadOption Submit "$unit" "['$probe']" "{'settle': <'soon'>}"
check_err org.hardenbisect1.Error.BadOption Submit "$unit" "['$probe']" "{'retries': <@a{ss} {}>}"
check_err org.hardenbisect1.Error.NoSuchJob GetJob 999
set +e
"$HB" submit --probe probe.sh "$unit" 2>"$work/cli-bad.log"
rc=$?
set -e
[ "$rc" = 3 ] || { cat "$work/cli-bad.log"; fail "submit of a bad probe exited $rc, expected 3"; }
ctl systemctl is-active harden-bisectd.service >/dev/null || fail "daemon died on bad arguments"

echo "== an unprivileged caller is refused, and may still read"
as_user() { "$HB_SANDBOX" exec env -u DBUS_SYSTEM_BUS_ADDRESS setpriv --reuid="$HB_USER_UID" --regid="$HB_USER_UID" --clear-groups "$@"; }
set +e
out=$(as_user busctl call org.hardenbisect1 /org/hardenbisect1 org.hardenbisect1.Manager Submit \
    'sasa{sv}' "$unit" 1 "$probe" 0 2>&1)
rc=$?
set -e
echo "  $out"
[ "$rc" != 0 ] || fail "unprivileged Submit succeeded"
echo "$out" | grep -qi "access denied\|AccessDenied\|not allowed\|rejected" ||
    fail "unprivileged Submit: unclear error: $out"
as_user busctl call org.hardenbisect1 /org/hardenbisect1 org.hardenbisect1.Manager ListJobs |
    grep -q job/1 || fail "unprivileged ListJobs refused"

echo "== two jobs on one unit queue; a queued job can be cancelled"
p3=$("$HB" submit --probe "$probe" "${common[@]}" "$unit")
p4=$("$HB" submit --probe "$probe" "${common[@]}" "$unit")
sleep 0.5
[ "$(prop "$p3" State)" = '"running"' ] || fail "job 3 not running: $(prop "$p3" State)"
[ "$(prop "$p4" State)" = '"queued"' ] || fail "job 4 not queued behind job 3: $(prop "$p4" State)"
"$HB" cancel 4
[ "$(prop "$p4" State)" = '"cancelled"' ] || fail "job 4 not cancelled"
"$HB" cancel "$p3"
for _ in $(seq 1 600); do
    [ "$(prop "$p3" State)" = '"cancelled"' ] && break
    sleep 0.1
done
[ "$(prop "$p3" State)" = '"cancelled"' ] || fail "job 3 not cancelled: $(prop "$p3" State)"
[ "$(prop "$p3" ExitCode)" = 130 ] || fail "cancelled job's exit code $(prop "$p3" ExitCode)"
[ "$(ctl systemctl is-active "$unit")" = active ] || fail "original not active after the cancel"
[ -z "$(copies)" ] || fail "copies left behind after the cancel: $(copies)"
echo "PASS"
