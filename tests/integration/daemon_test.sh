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
# A second unit (same server, another port) for two jobs side by side.
unit2=hb-daemon-second.service
printf '#!/bin/sh\nexec "$(dirname "$0")/probes/http-ok" http://127.0.0.1:18102/ 2\n' \
    >"$HB_ROOT$probedir/probe2.sh"
chmod 0755 "$HB_ROOT$probedir/probe2.sh"
printf '[Service]\nType=exec\nExecStart=/usr/bin/python3 /usr/local/lib/hb-examples/http-plain/server.py 18102\n' \
    >"$HB_ROOT/etc/systemd/system/$unit2"

# The daemon: unit (this build's binary), bus activation, bus policy; then reload dbus + systemd.
mkdir -p "$HB_ROOT/etc/systemd/system" "$HB_ROOT/etc/dbus-1/system.d" \
    "$HB_ROOT/usr/share/dbus-1/system-services"
# The binary and its catalogue are copied into the container (where the binary looks for an
# installed catalogue): the unit's ProtectHome=yes hides a checkout under /root or /home.
install -D -m 0755 "$HBD" "$HB_ROOT/usr/local/libexec/harden-bisectd"
install -D -m 0644 "$repo/data/catalogue.yaml" "$HB_ROOT/usr/local/share/harden-bisect/catalogue.yaml"
sed "s|@libexecdir@/harden-bisectd|/usr/local/libexec/harden-bisectd|" \
    "$repo/data/systemd/harden-bisectd.service.in" \
    >"$HB_ROOT/etc/systemd/system/harden-bisectd.service"
cp "$repo/data/dbus/org.hardenbisect1.service" "$HB_ROOT/usr/share/dbus-1/system-services/"
cp "$repo/data/dbus/org.hardenbisect1.conf" "$HB_ROOT/etc/dbus-1/system.d/"
mkdir -p "$HB_ROOT/usr/share/polkit-1/actions"
cp "$repo/data/polkit/org.hardenbisect1.policy" "$HB_ROOT/usr/share/polkit-1/actions/"
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

echo "== Apply installs job 1's drop-in on the unit (probed, kept)"
busctl --timeout=300 call org.hardenbisect1 /org/hardenbisect1/job/1 org.hardenbisect1.Job Apply ||
    fail "Apply failed"
installed=$HB_ROOT/etc/systemd/system/$unit.d/50-harden-bisect.conf
[ -f "$installed" ] || fail "Apply left no drop-in at $installed"
settings "$installed" | diff "$work/reference.settings" - || fail "applied drop-in differs"
[ "$(ctl systemctl is-active "$unit")" = active ] || fail "unit not active after Apply"
ctl systemctl show -p DropInPaths "$unit" | grep -q 50-harden-bisect.conf || fail "drop-in not loaded"
check_err_job() { # NAME PATH METHOD: a Job call fails with NAME
    local out
    out=$(gdbus call --system --dest org.hardenbisect1 --object-path "$2" \
        --method "org.hardenbisect1.Job.$3" 2>&1 || true)
    echo "  $out"
    echo "$out" | grep -q "$1" || fail "expected $1 from $3 on $2, got: $out"
}
check_err_job org.hardenbisect1.Error.BadState /org/hardenbisect1/job/1 Cancel
rm -f "$installed"
reload

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
# A small fuzzer on the method arguments: random units, probes, option names, types and values,
# and calls with wrong signatures. Every call must be answered with an error; the daemon lives.
python3 - "$probe" <<'PY'
import random, subprocess, sys
random.seed(14)
probe = sys.argv[1]
def junk(n=12):
    return "".join(random.choice("ab@./-_\\x%:é\t ") for _ in range(random.randint(0, n)))
values = ["<true>", "<int64 -1>", "<uint32 4294967295>", "<1e308>", "<-0.0>", "<'x'>",
          "<['a', '']>", "<@a{ss} {}>", "<(1, 'x')>", "<<1>>", "<@ay []>", "<objectpath '/'>"]
names = ["settle", "probe-timeout", "retries", "confirm", "only", "skip", "probe-user", "trace",
         "stop-original", "check-maximal", "", "x" * 300]
calls = 0
for i in range(60):
    unit = random.choice([junk(), "hb-example-http-plain.service", junk() + ".service", "@.service"])
    argv = random.choice([[probe], [junk()], [], ["/" + junk()], [probe, junk(), "\u2028"]])
    opts = "{" + ", ".join(f"{random.choice(names)!r}: {random.choice(values)}"
                          for _ in range(random.randint(0, 3))) + "}"
    if "hb-example" in unit and argv[:1] == [probe]:
        argv = ["/" + junk()]  # never a valid job: it would run and disturb what follows
    r = subprocess.run(["gdbus", "call", "--system", "--dest", "org.hardenbisect1",
                        "--object-path", "/org/hardenbisect1", "--method",
                        "org.hardenbisect1.Manager.Submit", unit, repr(argv) if argv else "@as []",
                        "@a{sv} " + opts], capture_output=True, text=True)
    calls += 1
    assert r.returncode != 0, (unit, argv, opts, r.stdout)
    # A named error of ours, or of the bus library for a malformed message; gdbus itself may
    # refuse to send some junk ("Error parsing", a word taken as its option).
    assert any(k in r.stderr for k in ("org.hardenbisect1.Error.", "GDBus.Error", "parsing", "Usage:")), r.stderr
# Job objects and GetJob with ids and paths that name no job (jobs 1 and 2 exist; never touched).
for i in range(40):
    n = random.choice([0, 999, 2**32 - 1, random.randint(3, 50)])
    path = random.choice([f"/org/hardenbisect1/job/{n}", "/org/hardenbisect1/job/" + junk(),
                          "/org/hardenbisect1/job", "/"])
    method = random.choice(["Cancel", "Apply"])
    r = subprocess.run(["busctl", "call", "org.hardenbisect1", path, "org.hardenbisect1.Job", method],
                       capture_output=True, text=True)
    r2 = subprocess.run(["busctl", "call", "org.hardenbisect1", "/org/hardenbisect1",
                         "org.hardenbisect1.Manager", "GetJob", "u", str(n)], capture_output=True, text=True)
    calls += 2
    assert r.returncode != 0, (path, method, r.stdout)
    assert r2.returncode != 0, (n, r2.stdout)
for sig in (["s", "x"], ["i", "1"], ["sas", "a", "0"], ["sasa{sv}x", "u", "0", "0", "1"]):
    r = subprocess.run(["busctl", "call", "org.hardenbisect1", "/org/hardenbisect1",
                        "org.hardenbisect1.Manager", "Submit"] + sig, capture_output=True, text=True)
    assert r.returncode != 0, sig
print(f"  fuzz: {calls} random Submit, GetJob, Cancel and Apply calls answered")
PY
ctl systemctl is-active harden-bisectd.service >/dev/null || fail "daemon died under the fuzzer"
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
# The bus lets the call through; the daemon asked polkit (no agent, so auth_admin_keep fails).
echo "$out" | grep -q "polkit" || fail "unprivileged Submit: polkit was not asked: $out"
as_user busctl call org.hardenbisect1 /org/hardenbisect1 org.hardenbisect1.Manager ListJobs |
    grep -q job/1 || fail "unprivileged ListJobs refused"

echo "== two jobs on one unit queue, a job on another unit runs beside them; cancel"
p3=$("$HB" submit --probe "$probe" "${common[@]}" "$unit")
p4=$("$HB" submit --probe "$probe" "${common[@]}" "$unit")
p5=$("$HB" submit --probe "$probedir/probe2.sh" --only NoNewPrivileges --only PrivateTmp "$unit2")
sleep 0.5
[ "$(prop "$p3" State)" = '"running"' ] || fail "job 3 not running: $(prop "$p3" State)"
[ "$(prop "$p4" State)" = '"queued"' ] || fail "job 4 not queued behind job 3: $(prop "$p4" State)"
[ "$(prop "$p5" State)" = '"running"' ] || fail "job 5 (other unit) not running beside job 3: $(prop "$p5" State)"
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
[ -z "$(copies)" ] || [ "$(prop "$p5" State)" = '"running"' ] || fail "copies left behind after the cancel: $(copies)"
for _ in $(seq 1 600); do
    [ "$(prop "$p5" State)" = '"running"' ] || break
    sleep 0.1
done
[ "$(prop "$p5" State)" = '"done"' ] || fail "job 5 ended $(prop "$p5" State): $(prop "$p5" Error)"
[ -z "$(copies)" ] || fail "copies left behind: $(copies)"
echo "== a caller polkit authorizes (a rule for org.hardenbisect1.manage) may submit and cancel"
mkdir -p "$HB_ROOT/etc/polkit-1/rules.d"
cat >"$HB_ROOT/etc/polkit-1/rules.d/50-hb-test.rules" <<EOF
polkit.addRule(function(action, subject) {
    if (action.id == "org.hardenbisect1.manage" && subject.user == "$HB_USER")
        return polkit.Result.YES;
});
EOF
ctl systemctl try-restart polkit.service
set +e
out=$(as_user busctl call org.hardenbisect1 /org/hardenbisect1 org.hardenbisect1.Manager Submit \
    'sasa{sv}' "$unit2" 1 "$probedir/probe2.sh" 1 only as 1 NoNewPrivileges 2>&1)
rc=$?
set -e
[ "$rc" = 0 ] || fail "Submit authorized by polkit was refused: $out"
p6=$(echo "$out" | sed -n 's/^o "\(.*\)"$/\1/p')
[ -n "$p6" ] || fail "Submit answered $out"
[ "$(prop "$p6" Owner)" = "$HB_USER_UID" ] || fail "job owner $(prop "$p6" Owner), expected $HB_USER_UID"
as_user busctl call org.hardenbisect1 "$p6" org.hardenbisect1.Job Cancel ||
    fail "Cancel authorized by polkit was refused"
for _ in $(seq 1 600); do
    case "$(prop "$p6" State)" in '"queued"' | '"running"') sleep 0.1 ;; *) break ;; esac
done
[ "$(prop "$p6" State)" = '"cancelled"' ] || fail "polkit-authorized job ended $(prop "$p6" State)"
[ -z "$(copies)" ] || fail "copies left behind: $(copies)"
rm "$HB_ROOT/etc/polkit-1/rules.d/50-hb-test.rules"
echo "== idle exit: with idle-timeout 3 the daemon leaves; the next call starts it again"
mkdir -p "$HB_ROOT/etc/harden-bisect"
echo "idle-timeout: 3" >"$HB_ROOT/etc/harden-bisect/daemon.yaml"
ctl systemctl restart harden-bisectd.service
for _ in $(seq 1 100); do
    [ "$(ctl systemctl is-active harden-bisectd.service || true)" = inactive ] && break
    sleep 0.1
done
[ "$(ctl systemctl is-active harden-bisectd.service || true)" = inactive ] ||
    fail "daemon still $(ctl systemctl is-active harden-bisectd.service) after 3 s idle"
"$HB" jobs | grep -qE "^5 +$unit2 +done" || fail "jobs after the idle exit: $("$HB" jobs)"
echo "PASS"
