#!/bin/bash
# Bad input against the real systemd (run under tests/sandbox/with-sandbox.sh): every case
# gets a one-line error naming the problem and its documented exit code, never a crash.
set -uo pipefail
HB=$1
source "$(dirname "$0")/lib.sh"
work=$(mktemp -d /var/tmp/hb-badinput.XXXXXX)
trap 'umount "$work/full" 2>/dev/null; rm -rf "$work"' EXIT
units=$HB_ROOT/etc/systemd/system
probe=$repo/examples/http-plain/probe.sh
failures=0

# expect CODE REGEX -- ARGS...: runs harden-bisect, checks exit code and the one-line message.
expect() {
    local code=$1 regex=$2; shift 3
    local out rc
    out=$("$HB" --state-dir "$work/state" --probe-timeout 2 --settle 2 "$@" 2>&1 >/dev/null)
    rc=$?
    local last
    last=$(printf '%s\n' "$out" | tail -n 1)
    if [ "$rc" != "$code" ] || ! printf '%s' "$last" | grep -Eq "$regex"; then
        echo "FAIL: $* -> exit $rc (want $code), message: $last (want /$regex/)"
        printf '%s\n' "$out" | sed 's/^/    /'
        failures=$((failures + 1))
    else
        echo "ok   exit $rc: $last"
    fi
}

"$repo/examples/install.sh" --copy "$HB_ROOT" >/dev/null
ln -sf /dev/null "$units/hb-masked.service"
printf '[Service]\nExecStart=relative/path\nFooBar=\n' >"$units/hb-broken.service"
printf '[Unit]\n[Service]\nExecStart=/bin/false\n' >"$units/hb-failing.service"
printf '[Service]\nExecStart=/bin/sleep 1000\n' >"$units/hb-templ@.service"
printf '[Socket]\nListenStream=127.0.0.1:18190\n' >"$units/hb-sock.socket"
printf '[Service]\nExecStart=/bin/sleep 1000\n' >"$units/hb-sock.service"
reload

# Units
expect 4 'unit hb-nope.service not found' -- --probe "$probe" hb-nope.service
expect 4 'unit hb-masked.service is masked' -- --probe "$probe" hb-masked.service
expect 4 'hb-templ@.service is a template' -- --probe "$probe" hb-templ@.service
expect 4 'not a service unit' -- --probe "$probe" hb-sock.socket
expect 4 'unit hb-nope.service not found' -- --probe "$probe" hb-nope
expect 4 'hb-broken.service failed to load' -- --probe "$probe" hb-broken.service
expect 4 'socket-activated by hb-sock.socket' -- --probe "$probe" hb-sock.service
"$HB_SANDBOX" ctl systemctl start hb-example-http-plain.service
expect 4 'is running; .*--stop-original' -- --probe "$probe" hb-example-http-plain.service
"$HB_SANDBOX" ctl systemctl stop hb-example-http-plain.service
expect 5 'fails its probe even unhardened: (start-failed|fail)' -- --probe "$probe" hb-failing.service

# Probes
expect 3 'probe /nonexistent/probe: no such file' -- --probe /nonexistent/probe hb-example-http-plain.service
printf '#!/bin/sh\nexit 0\n' >"$work/noexec.sh"
expect 3 "probe $work/noexec.sh: not executable" -- --probe "$work/noexec.sh" hb-example-http-plain.service
expect 3 "probe $work: is a directory" -- --probe "$work" hb-example-http-plain.service
expect 2 'probe is required' -- hb-example-http-plain.service

# Catalogues
printf 'version: 1\noptions:\n  - id: X\n    rungs: [NoNewPrivileges=yes\n' >"$work/bad.yaml"
expect 3 'bad.yaml:[0-9]+:[0-9]+' -- --catalogue "$work/bad.yaml" --probe "$probe" hb-example-http-plain.service
printf 'version: 1\nextends: builtin\noptions:\n  - id: Bogus\n    group: process\n    rungs: [ProtectFoo=yes]\n    risk: 0.1\n    why: x\n' >"$work/unknown.yaml"
expect 3 'unknown.yaml:6:[0-9]+: .*ProtectFoo' -- --catalogue "$work/unknown.yaml" --probe "$probe" hb-example-http-plain.service
printf 'version: 1\nextends: builtin\noptions:\n  - id: Caps\n    group: capabilities\n    rungs: [CapabilityBoundingSet=~CAP_BOGUS]\n    risk: 0.1\n    why: x\n' >"$work/cap.yaml"
expect 3 'cap.yaml:6:[0-9]+: .*CAP_BOGUS' -- --catalogue "$work/cap.yaml" --probe "$probe" hb-example-http-plain.service
expect 3 'cannot read|no such file' -- --catalogue "$work/missing.yaml" --probe "$probe" hb-example-http-plain.service

# The bus
DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent/bus expect 6 'cannot connect to the system bus' -- --probe "$probe" hb-example-http-plain.service
# nobody may not be able to read the checkout (a clone in root's 0700 home): it runs copies of
# the binary, the probe and the builtin catalogue from the world-readable $work.
chmod 755 "$work"; nobody_state=$work/nobody-state; mkdir -p "$nobody_state"; chown nobody "$nobody_state"
cp "$HB" "$work/harden-bisect"; cp "$probe" "$work/probe.sh"; chmod 755 "$work/harden-bisect" "$work/probe.sh"
mkdir -p "$work/data"; cp "$repo/data/catalogue.yaml" "$work/data/"; chmod -R a+rX "$work/data"
out=$(cd / && HARDEN_BISECT_DATADIR=$work/data setpriv --reuid=nobody --regid=nogroup --clear-groups \
      "$work/harden-bisect" --state-dir "$nobody_state" --probe "$work/probe.sh" \
      hb-example-http-plain.service 2>&1 >/dev/null); rc=$?
if [ "$rc" = 6 ] && printf '%s' "$out" | tail -n1 | grep -q 'permission denied by systemd'; then
    echo "ok   exit $rc (not root): $(printf '%s' "$out" | tail -n1)"
else
    echo "FAIL: not root -> exit $rc: $out"; failures=$((failures + 1))
fi

# systemd's conventions (issue 13 item 5): a bare unit name, a probe after -- whose argument
# holds spaces (run by sh as one script), and the JSON report on stdout (--json=short).
out=$("$HB" --state-dir "$work/state" --settle 2 --only NoNewPrivileges --json=short \
      hb-example-http-plain -- /bin/sh -c "test -n \"\$HB_COPY\" && exec $probe" 2>"$work/err"); rc=$?
if [ "$rc" = 0 ] && printf '%s' "$out" | python3 -c '
import json, sys
text = sys.stdin.read()
assert text and "\n" not in text.strip(), "not one line"
r = json.loads(text)
assert r["unit"] == "hb-example-http-plain.service", r["unit"]
assert r["probes"][0].startswith("/bin/sh -c \x27test -n "), r["probes"]
assert [k["id"] for k in r["kept"]] == ["NoNewPrivileges"], r["kept"]
assert "NoNewPrivileges=yes" in r["dropin"]
'; then
    echo "ok   bare name, probe after --, --json=short"
else
    echo "FAIL: probe after -- / --json=short -> exit $rc"; cat "$work/err"; printf '%s\n' "$out"
    failures=$((failures + 1))
fi

# Writing the drop-in: a full file system leaves the old file intact and no temp file.
mkdir -p "$work/full"; mount -t tmpfs -o size=16k tmpfs "$work/full"
echo "old content" >"$work/full/out.conf"
head -c 12k /dev/zero >"$work/full/filler" 2>/dev/null || true
expect 1 'cannot (write|sync|close)' -- --probe "$probe" --only NoNewPrivileges -o "$work/full/out.conf" hb-example-http-plain.service
[ "$(cat "$work/full/out.conf")" = "old content" ] || { echo "FAIL: old drop-in damaged"; failures=$((failures + 1)); }
ls "$work/full" | grep -q tmp && { echo "FAIL: temp file left: $(ls "$work/full")"; failures=$((failures + 1)); }

[ "$failures" = 0 ] && echo PASS || { echo "$failures failures"; exit 1; }
