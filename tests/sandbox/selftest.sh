#!/bin/bash
# selftest.sh - checks that the sandbox gives TRUE results for what harden-bisect
# relies on. Every check is an assertion: exit 0 only if all pass.
#
# Run as root, either inside with-sandbox.sh (what meson test 'sandbox-selftest'
# does) or standalone (then it re-runs itself under with-sandbox.sh).
# Ports: picked at random from 18000-18999 (free ones only).
set -u
HERE=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd -P)
if [ -z "${HB_STATE_DIR:-}" ] || [ -z "${HB_SANDBOX:-}" ]; then
    exec "$HERE/with-sandbox.sh" "$HERE/selftest.sh" "$@"
fi
SB=$HB_SANDBOX
REPO=$(cd "$HERE/../.." && pwd -P)

n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
bad() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $*"; }
check() { # check DESCRIPTION CMD... : assertion on CMD's exit status (CMD's stdout dropped)
    local d=$1; shift
    if "$@" >/dev/null; then ok "$d"; else bad "$d"; fi
}
now_ms() { local t=$EPOCHREALTIME; t=${t//[.,]/}; echo $((10#$t / 1000)); }

used_ports=" "
pick_port() {
    local p i
    for ((i = 0; i < 200; i++)); do
        p=$((18000 + RANDOM % 1000))
        case "$used_ports" in *" $p "*) continue ;; esac
        [ -z "$(ss -Htan "( sport = :$p )" 2>/dev/null)" ] || continue
        used_ports+="$p "
        echo "$p"; return 0
    done
    return 1
}
http_code() { # http_code URL TIMEOUT_S -> prints the code ("000" if none), returns curl's rc
    curl -s -m "$2" -o /dev/null -w '%{http_code}' "$1"
}
wait_http_200() { # wait_http_200 SECONDS CMD... (CMD prints an HTTP code)
    local end=$(($(now_ms) + $1 * 1000)); shift
    while [ "$(now_ms)" -lt "$end" ]; do
        [ "$("$@" 2>/dev/null)" = 200 ] && return 0
        sleep 0.05
    done
    return 1
}
unit_prop() { "$SB" ctl systemctl show -P "$2" "$1" 2>/dev/null; }
serve() { # serve UNIT PORT [systemd-run args...]: python http.server as a transient unit
    local unit=$1 port=$2; shift 2
    "$SB" ctl systemd-run -q --unit="$unit" -p Type=exec "$@" \
        /usr/bin/python3 -m http.server "$port" --bind 127.0.0.1
}

echo "# sandbox $HB_NAME, root $HB_ROOT, leader pid $HB_LEADER_PID"

# 1. The system bus of the container, from the host, and it is the container's manager.
check "bus reachable from the host at $DBUS_SYSTEM_BUS_ADDRESS" \
    busctl --timeout=5 call org.freedesktop.systemd1 /org/freedesktop/systemd1 \
    org.freedesktop.systemd1.Manager ListUnits
virt=$(busctl get-property org.freedesktop.systemd1 /org/freedesktop/systemd1 \
    org.freedesktop.systemd1.Manager Virtualization 2>&1)
[ "$virt" = 's "systemd-nspawn"' ] && ok "bus leads to the container's manager (Virtualization=systemd-nspawn)" ||
    bad "bus leads to the container's manager (got: $virt)"
ver=$(busctl get-property org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager Version)
echo "# manager version: $ver"

# 2. The repository is bound read-only at the same path; HB_ROOT is the container's /.
check "repository visible in the container at $REPO" "$SB" exec test -x "$HERE/sandbox.sh"
check "repository is read-only in the container" \
    "$SB" exec sh -c "! touch '$REPO/.hb-selftest-write' 2>/dev/null"
marker=hb-selftest-$$-$RANDOM
echo "$marker" >"$HB_ROOT/etc/$marker"
check "file written under HB_ROOT is seen by the container" "$SB" exec grep -qx "$marker" "/etc/$marker"
[ ! -e "/etc/$marker" ] && ok "...and not on the host" || bad "...and not on the host"
rm -f "$HB_ROOT/etc/$marker"

# 3. A unit file + drop-in written under HB_ROOT, loaded by daemon-reload (the tool's --root flow).
mkdir -p "$HB_ROOT/etc/systemd/system/st-file.service.d"
printf '[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n' \
    >"$HB_ROOT/etc/systemd/system/st-file.service"
printf '[Service]\nProtectSystem=strict\nNoNewPrivileges=yes\n' \
    >"$HB_ROOT/etc/systemd/system/st-file.service.d/50-harden.conf"
"$SB" ctl systemctl daemon-reload
"$SB" ctl systemctl start st-file.service
[ "$(unit_prop st-file.service ProtectSystem)/$(unit_prop st-file.service NoNewPrivileges)/$(unit_prop st-file.service ActiveState)" = strict/yes/active ] &&
    ok "unit + drop-in written under HB_ROOT take effect after daemon-reload" ||
    bad "unit + drop-in under HB_ROOT (ProtectSystem=$(unit_prop st-file.service ProtectSystem) NoNewPrivileges=$(unit_prop st-file.service NoNewPrivileges))"

# 4. Hardened transient unit started through `sandbox.sh ctl systemd-run`, probed from the host.
p_http=$(pick_port) || { bad "no free port in 18000-18999"; exit 1; }
serve st-http "$p_http" -p DynamicUser=yes -p NoNewPrivileges=yes -p ProtectSystem=strict \
    -p PrivateTmp=yes -p CapabilityBoundingSet= -p "RestrictAddressFamilies=AF_INET AF_INET6" \
    -p SystemCallFilter=@system-service -p IPAddressDeny=any -p IPAddressAllow=localhost ||
    bad "systemd-run of the hardened unit"
check "host probe reaches the hardened transient unit on port $p_http" \
    wait_http_200 10 http_code "http://127.0.0.1:$p_http/" 1
"$SB" ctl systemctl stop st-http.service

# 5. IPAddressDeny=any is enforced: the unit runs, yet the probe times out (curl rc 28).
p_deny=$(pick_port)
serve st-deny "$p_deny" -p IPAddressDeny=any || bad "systemd-run of the IPAddressDeny unit"
for _ in $(seq 1 40); do   # wait until it listens (seen from inside the container)
    "$SB" exec ss -Htln "( sport = :$p_deny )" 2>/dev/null | grep -q . && break
    sleep 0.05
done
code=$(http_code "http://127.0.0.1:$p_deny/" 2); rc=$?
state=$(unit_prop st-deny.service ActiveState)
[ "$rc" = 28 ] && [ "$code" = 000 ] && [ "$state" = active ] &&
    ok "IPAddressDeny=any enforced (unit active, probe timed out)" ||
    bad "IPAddressDeny=any enforced (unit $state, curl rc $rc, HTTP $code; rc 28 expected)"
"$SB" ctl systemctl stop st-deny.service

# 6. PrivateNetwork=yes: not reachable from the host, but its own loopback works (netns-exec).
p_pn=$(pick_port)
serve st-pn "$p_pn" -p PrivateNetwork=yes -p DynamicUser=yes || bad "systemd-run of the PrivateNetwork unit"
check "PrivateNetwork=yes unit answers on its own loopback (netns-exec probe)" \
    wait_http_200 10 "$SB" netns-exec st-pn.service curl -s -m 1 -o /dev/null -w '%{http_code}' \
    "http://127.0.0.1:$p_pn/"
code=$(http_code "http://127.0.0.1:$p_pn/" 1)
[ "$code" = 000 ] && ok "PrivateNetwork=yes unit is not reachable from the host" ||
    bad "PrivateNetwork=yes unit is not reachable from the host (HTTP $code)"
lo=$("$SB" netns-exec st-pn.service ip -o link show lo 2>&1)
case "$lo" in *"state UNKNOWN"* | *"LOWER_UP"*) ok "loopback is up in the unit's netns" ;;
    *) bad "loopback is up in the unit's netns: $lo" ;; esac
"$SB" ctl systemctl stop st-pn.service

# 7. DevicePolicy=strict is enforced (needs the pure cgroup v2 container); control without it.
dev_read() { "$SB" ctl systemd-run -q --wait --pipe "$@" sh -c 'dd if=/dev/urandom bs=1 count=1 2>/dev/null | wc -c' 2>/dev/null </dev/null; }
r_ctl=$(dev_read); r_strict=$(dev_read -p DevicePolicy=strict)
[ "$r_ctl" = 1 ] && [ "$r_strict" = 0 ] && ok "DevicePolicy=strict enforced (/dev/urandom: $r_ctl byte without, $r_strict with)" ||
    bad "DevicePolicy=strict enforced (/dev/urandom read '$r_ctl' byte(s) without, '$r_strict' with; 1 and 0 expected)"

# 8. The user manager of the unprivileged user: CapabilityBoundingSet fails with 218/CAPABILITIES.
"$SB" userctl systemd-run -q --wait --unit=st-cap -p CapabilityBoundingSet=CAP_NET_BIND_SERVICE /bin/true \
    >/dev/null 2>&1
ustat=$("$SB" userctl systemctl show -P ExecMainStatus st-cap.service 2>&1)
uresult=$("$SB" userctl systemctl show -P Result st-cap.service 2>&1)
[ "$ustat" = 218 ] && [ "$uresult" = exit-code ] &&
    ok "user manager of $HB_USER (uid $HB_USER_UID): CapabilityBoundingSet= gives 218/CAPABILITIES" ||
    bad "user manager of $HB_USER: CapabilityBoundingSet= (ExecMainStatus '$ustat', Result '$uresult'; 218/exit-code expected)"
ok_user=$("$SB" userctl systemd-run -q --wait --unit=st-ok -p NoNewPrivileges=yes /bin/true >/dev/null 2>&1 &&
    "$SB" userctl systemctl show -P ExecMainStatus st-ok.service)
[ "$ok_user" = 0 ] && ok "user manager runs an unhardened unit fine (control)" ||
    bad "user manager control unit (ExecMainStatus '$ok_user')"
check "user manager reachable via sandbox.sh user (nsenter + setpriv)" \
    "$SB" user systemctl --user show -P Version

# 9. The container's journal, read from the host.
journal_has() {
    local i
    for ((i = 0; i < 40; i++)); do
        "$SB" journal -u st-http.service -o cat 2>/dev/null | grep -q "Started st-http.service" && return 0
        sleep 0.05
    done
    return 1
}
check "journal readable from the host (sandbox.sh journal -u st-http.service)" journal_has

echo "# $n checks, $fails failed"
[ "$fails" = 0 ]
