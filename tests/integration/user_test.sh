#!/bin/bash
# --user against the real per-user manager of the sandbox (run under tests/sandbox/with-sandbox.sh):
#  1. as the user inside the container (`sandbox.sh user`: the user bus of user@UID.service), a
#     run on examples/user-echo: hardened end to end, options the catalogue marks as failing are
#     skipped as infeasible, unenforced ones are listed apart (never as settings), PrivateUsers=yes
#     went first, ProtectHome= is really enforced with it (the service writes to its home, so it
#     is rejected), two exposures;
#  2. as root from the host, `--user -M USER@.host --apply --root`: the drop-in lands in the
#     user's ~/.config/systemd/user/UNIT.d/, owned by the user, the unit restarted through the
#     user manager passes its probe, and again after an explicit restart.
# Not covered: -M CONTAINER (a container's system manager) and -H (no ssh server in the sandbox).
set -euo pipefail
HB=$(readlink -f "$1")  # absolute: it also runs inside the container
source "$(dirname "$0")/lib.sh"
unit=hb-user-example-echo.service
probe=$repo/examples/user-echo/probe.sh
user=$HB_USER
home=$(awk -F: -v u="$user" '$1==u {print $6}' "$HB_ROOT/etc/passwd")
[ -n "$user" ] && [ -n "$home" ] || { echo "no sandbox user" >&2; exit 99; }
work=$(mktemp -d /var/tmp/hb-user.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# systemctl --user of the sandbox user, from the host.
uctl() { "$HB_SANDBOX" userctl "$@"; }
# A field of the JSON report, by a python expression over `r`.
json() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

install_examples
# Without lingering, logind stops user@UID.service 10 s after the last PAM session (each
# `userctl` call is one) ends, and `sandbox.sh user` opens none: the run would lose its bus.
# (logind checks the linger file whenever it considers stopping the user.)
mkdir -p "$HB_ROOT/var/lib/systemd/linger" && touch "$HB_ROOT/var/lib/systemd/linger/$user"
uctl systemctl daemon-reload
[ "$(uctl systemctl show -P LoadState "$unit")" = loaded ] || fail "$unit not loaded by the user manager"

echo "== 1. --user as $user inside the container"
# Reports go to a directory of the container (seen from the host through $HB_ROOT).
inside=/var/tmp/hb-user-test
out=$HB_ROOT$inside
mkdir -p "$out" && chown "$HB_USER_UID:$HB_USER_UID" "$out"
"$HB_SANDBOX" user "$HB" --user --probe "$probe" --probe-timeout 3 --settle 3 \
    --json-file "$inside/report.json" -o "$inside/dropin.conf" "$unit" 2>"$work/inside.log" ||
    { cat "$work/inside.log"; fail "--user run inside the container failed"; }
cat "$work/inside.log"
r=$out/report.json
[ "$(json "$r" 'r["manager"]')" = user ] || fail "report does not say manager=user"
[ "$(json "$r" 'r["confirmed"]')" = True ] || fail "final set not confirmed"
for id in DynamicUser SupplementaryGroups; do
    json "$r" "[s['reason'] for s in r['skipped'] if s['id']=='$id'][0]" | grep -q '^infeasible under this manager' ||
        fail "$id not skipped as infeasible"
done
grep -q "not trying 2 option(s) the user manager of the caller cannot carry out" "$work/inside.log" ||
    fail "no one-line note on the options skipped up front"
for id in ProtectProc ProcSubset IPAddressDeny RemoveIPC; do
    [ "$(json "$r" "'$id' in [u['id'] for u in r['unenforced']]")" = True ] || fail "$id not listed as unenforced"
done
[ "$(json "$r" 'r["trials"][0]["candidates"]')" = "['PrivateUsers=yes']" ] || fail "PrivateUsers=yes was not tried first"
[ "$(json "$r" '"PrivateUsers" in [k["id"] for k in r["kept"]]')" = True ] || fail "PrivateUsers not kept"
[ "$(json "$r" 'any(k["id"].startswith("CapabilityBoundingSet") for k in r["kept"])')" = True ] ||
    fail "no capability dropped (enabled by PrivateUsers=yes)"
# Enforced with PrivateUsers=yes: the service cannot write its home under ProtectHome=.
[ "$(json "$r" '"ProtectHome" in [x["id"] for x in r["rejected"]]')" = True ] ||
    fail "ProtectHome was not rejected: not enforced?"
[ "$(json "$r" '"RestrictAddressFamilies=~AF_INET" in [x["id"] for x in r["rejected"]]')" = True ] ||
    fail "RestrictAddressFamilies=~AF_INET was not rejected"
json "$r" 'r["exposure"]["after_enforced"]["score"]' >/dev/null || fail "no enforced-only exposure"
[ "$(json "$r" 'r["exposure"]["after"]["tenths"] < r["exposure"]["before"]["tenths"]')" = True ] ||
    fail "exposure did not improve"
grep -q '^# Not written: this manager accepts these but does not enforce them' "$out/dropin.conf" ||
    fail "drop-in has no section of unenforced options"
grep -q '^# ProtectProc: ' "$out/dropin.conf" || fail "ProtectProc is not listed as a comment"
for key in ProtectProc ProcSubset IPAddressDeny RemoveIPC DynamicUser; do
    settings "$out/dropin.conf" | grep -q "^$key=" && fail "$key= written as a setting"
done
settings "$out/dropin.conf" | grep -qx 'PrivateUsers=yes' || fail "PrivateUsers=yes not in the drop-in"
grep -q 'Counting only what a user manager enforces' "$out/dropin.conf" || fail "no second exposure in the drop-in"
[ -z "$(uctl systemctl list-units --all --plain --no-legend 'harden-bisect-*' 2>/dev/null)" ] ||
    fail "copies left in the user manager"

echo "== 2. --user -M $user@.host --apply from the host (root)"
uctl systemctl start "$unit"
HB_UNIT=$unit "$probe" >/dev/null || fail "the original user unit fails its probe"
dropin=$HB_ROOT$home/.config/systemd/user/$unit.d/50-harden-bisect.conf
"$HB_SANDBOX" ctl "$HB" --user -M "$user@.host" --root "$HB_ROOT" --state-dir "$work/state" \
    --probe "$probe" --probe-timeout 3 --settle 3 --stop-original --apply \
    -o "$work/applied.conf" "$unit" 2>"$work/apply.log" ||
    { cat "$work/apply.log"; fail "--user -M --apply failed"; }
tail -5 "$work/apply.log"
[ -f "$dropin" ] || fail "no drop-in at $dropin"
[ "$(stat -c %U "$dropin")" = "$(stat -c %U "$HB_ROOT$home")" ] || fail "drop-in not owned by $user"
[ "$(stat -c %u "$(dirname "$dropin")")" = "$HB_USER_UID" ] || fail "drop-in directory not owned by $user"
cmp -s "$dropin" "$work/applied.conf" || fail "installed drop-in differs from -o"
uctl systemctl show -P DropInPaths "$unit" | grep -q 50-harden-bisect.conf || fail "user manager did not load the drop-in"
[ "$(uctl systemctl show -P PrivateUsers "$unit")" = yes ] || fail "PrivateUsers=yes not in effect"
uctl systemctl restart "$unit"
[ "$(uctl systemctl is-active "$unit")" = active ] || fail "hardened unit not active after a restart"
HB_UNIT=$unit "$probe" >/dev/null || fail "hardened unit fails its probe after a restart"
uctl systemctl stop "$unit"
echo "ok: user manager, infeasible, unenforced, enabler, apply"
