#!/bin/bash
# sandbox.sh - throw-away real systemd for harden-bisect integration tests.
#
# Boots the host's own root file system (read-only lower layer, throw-away
# overlay upper layer) as a systemd-nspawn container that runs only a small
# target (system bus + whatever D-Bus activates), and exposes the container's
# system bus at a stable host path. harden-bisect on the host then talks to
# that systemd through $DBUS_SYSTEM_BUS_ADDRESS. Works when PID 1 is not
# systemd. Must run as root.
#
# Usage:
#   eval "$(sandbox.sh up)"       boot (idempotent), print export lines (see below)
#   sandbox.sh down [--fast]      stop the container, unmount, remove cgroups and state
#   sandbox.sh status             "up (STATE)" and rc 0, or "down" and rc 1
#   sandbox.sh env                print the export lines of a running sandbox
#   sandbox.sh list               all sandboxes under the state base, with owner and state
#   sandbox.sh reap               tear down every sandbox whose owner is gone or whose
#                                 container died (state dirs, mounts, cgroups, processes)
#   sandbox.sh ctl CMD...         host systemctl/systemd-run/systemd-analyze/busctl against
#                                 the container's system manager
#   sandbox.sh exec CMD...        run CMD inside the container (root, all namespaces)
#   sandbox.sh userctl CMD...     like ctl, with "-M USER@.host --user" after CMD's first word,
#                                 e.g. `sandbox.sh userctl systemd-run -p ... /bin/true`
#   sandbox.sh user CMD...        run CMD inside the container as $HB_USER_UID with the
#                                 user-bus environment (starts user@UID.service)
#   sandbox.sh journal [ARGS]     journalctl on the container's journal, read from the host
#   sandbox.sh netns-exec UNIT CMD...  run the host binary CMD in the network namespace of
#                                 UNIT's main process (probing PrivateNetwork=yes copies)
#
# `up` prints: HB_NAME HB_STATE_DIR HB_ROOT HB_LEADER_PID HB_NSPAWN_PID HB_USER_UID HB_USER
# HB_SANDBOX DBUS_SYSTEM_BUS_ADDRESS (and HB_USER_BUS_ADDRESS with HB_USER_BUS=1).
# HB_ROOT is the container's / as seen from the host (write drop-ins there, then daemon-reload).
# The repository this script belongs to is bound read-only at the same path inside.
# Units with PrivateTmp=yes (or DynamicUser=yes) cannot see anything under /tmp, bound or
# not: keep build dirs and example services out of /tmp.
#
# Environment (all optional):
#   HB_NAME=hb1              sandbox (and machine) name; several sandboxes may run at once
#   HB_STATE_BASE=/tmp/harden-bisect-sandbox   holds one state dir per sandbox
#   HB_OWNER_PID=            pid whose death ends the sandbox (a watcher tears it down within
#                            ~0.5 s; `reap` and every `up` do too). Unset: lives until `down`
#                            or HB_LIFETIME
#   HB_WATCH=1               0: no watcher process (then only `reap`/`up` clean up after a dead owner)
#   HB_LIFETIME=7200         hard lifetime in seconds (timeout(1) around systemd-nspawn)
#   HB_BOOT_TIMEOUT=60       seconds to wait for SystemState=running/degraded
#   HB_USER_UID=1000         uid for user-manager tests (created as 'hbuser' if missing)
#   HB_USER_BUS=0            1: bind STATE/user-run onto /run/user/UID (user bus on the host)
#   HB_BIND / HB_BIND_RO     extra space-separated SRC[:DST] read-write / read-only binds
#   HB_CGROUP=unified        unified: pure cgroup v2 container like a Debian 12 host (DevicePolicy=
#                            enforced); hybrid: what nspawn picks on a v1 host (NOT enforced)
#   HB_NSPAWN_ARGS=          extra systemd-nspawn arguments
set -u

SELF=$(readlink -f "${BASH_SOURCE[0]}")
REPO=$(cd "${SELF%/*}/../.." && pwd -P)
NAME=${HB_NAME:-hb1}
BASE=${HB_STATE_BASE:-/tmp/harden-bisect-sandbox}
LOCKS=$BASE/.locks
CG_PREFIX=harden-bisect-sb-
USER_UID=${HB_USER_UID:-1000}
BOOT_TIMEOUT=${HB_BOOT_TIMEOUT:-60}
LIFETIME=${HB_LIFETIME:-7200}
LOCK_FD=

die() { echo "sandbox.sh[$NAME]: $*" >&2; exit 1; }
log() { echo "sandbox.sh[$NAME]: $*" >&2; }
event() { # one line into BASE/events.log (what reap and the watcher did), kept small
    mkdir -p "$BASE" 2>/dev/null || return 0
    local f=$BASE/events.log
    [ "$(stat -c %s "$f" 2>/dev/null || echo 0)" -lt 262144 ] || mv -f "$f" "$f.1"
    echo "$(date "+%F %T") ${NAME}[$$]: $*" >>"$f"
}

# Sets the globals that describe sandbox $1.
select_sandbox() {
    NAME=$1
    [[ $NAME =~ ^[A-Za-z0-9][A-Za-z0-9-]{0,47}$ ]] || die "invalid sandbox name '$NAME' (A-Z a-z 0-9 -, max 48)"
    S=$BASE/$NAME
    ROOT=$S/root
    BUS=$S/dbus/system_bus_socket
}
select_sandbox "$NAME"

# Host cgroup trees we put each sandbox into: the cgroup2 tree, and on a
# hybrid host also the name=systemd v1 tree (nspawn derives its own cgroup
# path from it). A private cgroup per sandbox keeps parallel containers apart
# and lets teardown find and kill every process that belongs to a sandbox.
CG_TREES=()
if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
    CG_TREES=(/sys/fs/cgroup)
else
    [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] && CG_TREES+=(/sys/fs/cgroup/unified)
    [ -d /sys/fs/cgroup/systemd ] && CG_TREES+=(/sys/fs/cgroup/systemd)
fi
cg_dirs() { local t; for t in "${CG_TREES[@]}"; do [ -d "$t/$CG_PREFIX$NAME" ] && echo "$t/$CG_PREFIX$NAME"; done; }
cg_pids() { local d; for d in $(cg_dirs); do find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null; done; }
cg_populated() { [ -n "$(cg_pids)" ]; }
ours() { [ -n "${1:-}" ] && grep -Eq ":/$CG_PREFIX$NAME(/|\$)" "/proc/$1/cgroup" 2>/dev/null; }

pid_of() { [ -s "$S/$1.pid" ] && cat "$S/$1.pid"; }
alive() { local p; p=$(pid_of "$1") && ours "$p"; }
proc_start() { # start time of live pid $1 in clock ticks since boot (tells a reused pid apart)
    local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    s=${s##*) }
    # shellcheck disable=SC2086  # split into fields on purpose
    set -- $s
    [ "$1" != Z ] || return 1     # a zombie has exited already
    echo "${20}"
}
owner_gone() { # rc 0 if the sandbox has an owner and that process has exited
    local pid start
    read -r pid start 2>/dev/null <"$S/owner" || return 1
    [ -n "$pid" ] || return 1
    [ "$(proc_start "$pid" 2>/dev/null)" != "$start" ]
}
bus_ping() {
    busctl --address="unix:path=$BUS" --timeout=2 call org.freedesktop.systemd1 /org/freedesktop/systemd1 \
        org.freedesktop.DBus.Peer Ping >/dev/null 2>&1
}
system_state() {
    busctl --address="unix:path=$BUS" --timeout=2 get-property org.freedesktop.systemd1 /org/freedesktop/systemd1 \
        org.freedesktop.systemd1.Manager SystemState 2>/dev/null | sed -e 's/^s "//' -e 's/"$//'
}
is_up() { alive leader && bus_ping; }
need_root() { [ "$(id -u)" = 0 ] || die "must run as root"; }
need_up() { is_up || die "sandbox '$NAME' is not running (start it with: HB_NAME=$NAME $SELF up)"; }
user_name() { awk -F: -v u="$USER_UID" '$3==u {print $1; exit}' "$ROOT/etc/passwd" 2>/dev/null; }

# One lock per sandbox name serialises up/down/reap/watcher. Lock files live
# outside the state dir; a lock is valid only if the path still names the
# inode we locked (the holder that tears a sandbox down deletes the file).
lock() { # lock [-n | -w SECONDS]
    mkdir -p "$LOCKS" || return 1
    local f=$LOCKS/$NAME
    while :; do
        exec {LOCK_FD}>>"$f" || return 1
        if ! flock "$@" "$LOCK_FD"; then exec {LOCK_FD}>&-; LOCK_FD=; return 1; fi
        [ "$(stat -c %d:%i "$f" 2>/dev/null)" = "$(stat -L -c %d:%i "/dev/fd/$LOCK_FD")" ] && return 0
        exec {LOCK_FD}>&-
    done
}
unlock() {
    [ -n "$LOCK_FD" ] || return 0
    [ -e "$S" ] || [ -n "$(cg_dirs)" ] || rm -f "$LOCKS/$NAME"
    exec {LOCK_FD}>&-
    LOCK_FD=
}

print_env() {
    cat <<EOF
export HB_NAME=$NAME
export HB_STATE_DIR=$S
export HB_ROOT=$ROOT
export HB_LEADER_PID=$(pid_of leader)
export HB_NSPAWN_PID=$(pid_of nspawn)
export HB_USER_UID=$USER_UID
export HB_USER=$(user_name)
export HB_SANDBOX=$SELF
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$BUS
EOF
    [ "$(cat "$S/user_bus" 2>/dev/null)" = 1 ] && echo "export HB_USER_BUS_ADDRESS=unix:path=$S/user-run/bus"
    return 0
}

# Tear sandbox $NAME down completely. Caller holds the lock. Safe to call on a
# half-built or already dead sandbox. $1=--fast: SIGKILL the container's PID 1
# (the kernel then kills its whole PID namespace) instead of a clean poweroff.
teardown() {
    local fast=${1:-} lp np i d t0=$EPOCHREALTIME
    lp=$(pid_of leader); np=$(pid_of nspawn)
    ours "$lp" || lp=
    ours "$np" || np=
    if [ -n "$np" ]; then
        if [ "$fast" = --fast ] && [ -n "$lp" ]; then
            kill -KILL "$lp" 2>/dev/null
        else
            kill -TERM "$np" 2>/dev/null     # nspawn asks the container's PID 1 to power off
        fi
        for ((i = 0; i < 500; i++)); do kill -0 "$np" 2>/dev/null || break; sleep 0.02; done
    fi
    # Whatever is left in our cgroups (nspawn, timeout, container processes).
    for ((i = 0; i < 100; i++)); do
        cg_populated || break
        for d in $(cg_dirs); do
            if [ -e "$d/cgroup.kill" ]; then echo 1 >"$d/cgroup.kill" 2>/dev/null; fi
        done
        for d in $(cg_pids); do kill -KILL "$d" 2>/dev/null; done
        sleep 0.02
    done
    cg_populated && log "WARNING: processes left in $(cg_dirs | tr '\n' ' '): $(cg_pids | tr '\n' ' ')"
    if mountpoint -q "$ROOT" 2>/dev/null; then
        for ((i = 0; i < 50; i++)); do umount "$ROOT" 2>/dev/null && break; sleep 0.05; done
        mountpoint -q "$ROOT" && { umount -l "$ROOT" || log "WARNING: could not unmount $ROOT"; }
    fi
    for ((i = 0; i < 50; i++)); do
        for d in $(cg_dirs); do find "$d" -depth -type d -exec rmdir {} + 2>/dev/null; done
        [ -z "$(cg_dirs)" ] && break
        sleep 0.02
    done
    [ -n "$(cg_dirs)" ] && log "WARNING: could not remove cgroup $(cg_dirs | tr '\n' ' ')"
    # nspawn's host-side directory for this machine (it refuses to delete it when /run is
    # not a tmpfs). The parents stay: another nspawn may be creating its own entry there.
    rmdir "/run/systemd/nspawn/propagate/$NAME" 2>/dev/null
    if [ -e "$S" ]; then
        if mountpoint -q "$ROOT" 2>/dev/null; then log "ERROR: $ROOT is still mounted; not deleting $S"; return 1; fi
        case "$S" in /?*/?*) rm -rf --one-file-system "$S" ;; *) log "ERROR: refusing to delete '$S'"; return 1 ;; esac
    fi
    log "down in $(elapsed_ms "$t0") ms"
}
elapsed_ms() { local n=$EPOCHREALTIME a=$1; echo $(( (10#${n//[.,]/} - 10#${a//[.,]/}) / 1000 )); }

# Sandboxes whose owner is gone or whose container is dead (a crashed `up`,
# a SIGKILLed with-sandbox.sh, an expired HB_LIFETIME). Never touches a
# sandbox that is locked, i.e. being booted or torn down right now.
reap() {
    local self=$NAME n d names=()
    for d in "$BASE"/*/; do [ -d "$d" ] && names+=("$(basename "$d")"); done
    for d in "${CG_TREES[@]}"; do
        for n in "$d/$CG_PREFIX"*; do [ -d "$n" ] && names+=("${n##*/"$CG_PREFIX"}"); done
    done
    for n in $(printf '%s\n' "${names[@]}" | sort -u); do
        [ "$n" = "${1:-}" ] && continue
        [[ $n =~ ^[A-Za-z0-9][A-Za-z0-9-]{0,47}$ ]] || continue
        select_sandbox "$n"
        lock -n || continue
        local why=
        if owner_gone; then why="owner $(cut -d' ' -f1 "$S/owner") is gone"
        elif ! cg_populated; then why="container is not running"
        fi
        if [ -n "$why" ]; then
            log "reaping: $why"; event "reap: $why"
            teardown --fast
        fi
        unlock
    done
    select_sandbox "$self"
}

prepare_upper() {
    local u=$S/upper/etc/systemd/system m
    mkdir -p "$u"
    # Units that cost boot time, grab ports, or would act on the HOST: the container
    # shares the host's network namespace, kernel and clock, and has all capabilities.
    for m in postgresql.service postgresql@.service e2scrub_reap.service systemd-timesyncd.service \
        systemd-pstore.service apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer \
        e2scrub_all.timer fstrim.timer man-db.timer systemd-tmpfiles-clean.timer logrotate.timer \
        console-getty.service getty@.service systemd-update-utmp.service \
        systemd-update-utmp-runlevel.service cron.service ssh.service ssh.socket \
        systemd-binfmt.service proc-sys-fs-binfmt_misc.automount proc-sys-fs-binfmt_misc.mount \
        systemd-modules-load.service systemd-sysctl.service systemd-journald-audit.socket \
        systemd-networkd.service systemd-networkd.socket systemd-networkd-wait-online.service \
        systemd-resolved.service networking.service NetworkManager.service chrony.service ntp.service \
        hwclock.service modprobe@.service; do
        ln -sfn /dev/null "$u/$m"
    done
    cat >"$u/hb.target" <<'EOF'
[Unit]
Description=harden-bisect sandbox target (system bus only)
Requires=dbus.socket dbus.service
After=dbus.socket dbus.service
AllowIsolate=yes
EOF
    ln -sfn hb.target "$u/default.target"
    # Own machine id: the journal goes to /var/log/journal/ID (never appends to a copy of
    # the host's journal) and the host reads it from there.
    tr -d - </proc/sys/kernel/random/uuid >"$S/machine-id"
    cp "$S/machine-id" "$S/upper/etc/machine-id"
    mkdir -p "$S/upper/var/lib/dbus"
    cp "$S/machine-id" "$S/upper/var/lib/dbus/machine-id"
    [ -d /var/log/journal ] || mkdir -p "$S/upper/var/log/journal"   # persistent, readable from the host
}

prepare_user() { # needs the overlay mounted
    if [ -z "$(user_name)" ]; then
        useradd -R "$ROOT" -m -u "$USER_UID" -U -s /bin/bash hbuser >/dev/null 2>&1 ||
            log "WARNING: could not create user hbuser with uid $USER_UID"
    fi
}

container_init() { # the child of nspawn $1 that is PID 1 in its own PID namespace
    local c
    for c in $(pgrep -P "$1"); do
        grep -Eq '^NSpid:.*[[:space:]]1$' "/proc/$c/status" 2>/dev/null && { echo "$c"; return 0; }
    done
    return 1
}

start_watcher() { # tears the sandbox down when its owner exits or the container dies
    (cd / && HB_NAME=$NAME HB_STATE_BASE=$BASE exec setsid "$SELF" __watch "$(cat "$S/machine-id")") \
        </dev/null >/dev/null 2>&1 {LOCK_FD}>&- &
}
watch() {
    local id=$1
    while sleep 0.5; do
        [ "$(cat "$S/machine-id" 2>/dev/null)" = "$id" ] || exit 0   # gone or a new incarnation
        if owner_gone || ! cg_populated; then break; fi
    done
    lock -w 60 || exit 1
    if [ "$(cat "$S/machine-id" 2>/dev/null)" = "$id" ]; then
        if owner_gone; then event "watcher: owner $(cut -d' ' -f1 "$S/owner") is gone, tearing down"
        else event "watcher: container exited, cleaning up"; fi
        teardown --fast >/dev/null 2>&1
    fi
    unlock
}

up() {
    need_root
    [ ${#CG_TREES[@]} -gt 0 ] || die "no cgroup2 hierarchy under /sys/fs/cgroup"
    reap "$NAME"
    lock -w 120 || die "could not lock sandbox $NAME"
    if is_up && ! owner_gone; then print_env; unlock; return 0; fi
    if [ -e "$S" ] || [ -n "$(cg_dirs)" ]; then log "tearing down a leftover or unhealthy sandbox"; teardown --fast; fi
    trap 'log "interrupted during boot"; teardown --fast; unlock; exit 130' INT TERM HUP

    local t0=$EPOCHREALTIME
    mkdir -p "$S"/{upper,work,root,dbus} || die "cannot create $S"
    local owner=${HB_OWNER_PID:-}
    if [ -n "$owner" ]; then
        echo "$owner $(proc_start "$owner")" >"$S/owner" || die "owner pid $owner does not exist"
    else
        : >"$S/owner"
    fi
    prepare_upper       # before the mount: never change a layer of a mounted overlay
    if ! mount -t overlay overlay -o "lowerdir=/,upperdir=$S/upper,workdir=$S/work" "$ROOT"; then
        teardown --fast; unlock; die "overlay mount failed"
    fi
    prepare_user

    # The repository (example services, freshly built binaries) at the same path, read-only.
    local binds=(--bind="$S/dbus:/run/dbus" --bind-ro="$REPO") b src
    for b in ${HB_BIND:-}; do [ -e "${b%%:*}" ] && binds+=(--bind="$b"); done
    for b in ${HB_BIND_RO:-}; do
        src=$(readlink -f "${b%%:*}") || continue
        [ -e "$src" ] || continue
        case "$b" in *:*) ;; *) case "$src/" in "$REPO"/*) continue ;; esac ;; esac   # already inside
        binds+=(--bind-ro="$b")
    done
    echo "${HB_USER_BUS:-0}" >"$S/user_bus"
    if [ "${HB_USER_BUS:-0}" = 1 ]; then
        mkdir -p "$S/user-run"; chown "$USER_UID:$USER_UID" "$S/user-run"; chmod 700 "$S/user-run"
        binds+=(--bind="$S/user-run:/run/user/$USER_UID")
    fi

    (
        exec {LOCK_FD}>&-
        for t in "${CG_TREES[@]}"; do
            mkdir -p "$t/$CG_PREFIX$NAME" && echo "$BASHPID" >"$t/$CG_PREFIX$NAME/cgroup.procs" ||
                { echo "cannot join cgroup $t/$CG_PREFIX$NAME"; exit 1; }
        done
        # --capability=all: nspawn otherwise drops CAP_NET_ADMIN (PrivateNetwork=yes units get a
        #   DOWN loopback), CAP_SYS_TIME, ... which a real host has; results would be false.
        # --system-call-filter: nspawn's seccomp blocks bpf() (IPAddressDeny= silently ignored)
        #   and the keyring calls (KeyringMode=).
        [ "${HB_CGROUP:-unified}" = unified ] && export SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1
        # shellcheck disable=SC2086
        exec setsid timeout --kill-after=10 "$LIFETIME" systemd-nspawn \
            --quiet -D "$ROOT" --boot --machine="$NAME" --register=no --keep-unit \
            --uuid="$(cat "$S/machine-id")" --console=read-only --link-journal=no --timezone=off \
            --capability=all --system-call-filter="bpf add_key keyctl request_key" \
            "${binds[@]}" ${HB_NSPAWN_ARGS:-} \
            -- systemd.unit=hb.target
    ) >"$S/log" 2>&1 </dev/null &
    echo $! >"$S/timeout.pid"
    disown $!      # no "Killed" job report from bash when teardown kills it

    local np="" lp="" st="" tp
    tp=$(pid_of timeout)
    while (( $(elapsed_ms "$t0") < BOOT_TIMEOUT * 1000 )); do
        [ -z "$np" ] && np=$(pgrep -P "$tp" -x systemd-nspawn) && echo "$np" >"$S/nspawn.pid"
        [ -n "$np" ] && [ -z "$lp" ] && lp=$(container_init "$np") && echo "$lp" >"$S/leader.pid"
        if ! kill -0 "$tp" 2>/dev/null; then st=exited; break; fi
        if [ -n "$lp" ] && bus_ping; then
            st=$(system_state)
            case "$st" in running|degraded) break ;; esac
        fi
        sleep 0.02
    done
    case "$st" in
        running|degraded) ;;
        *)
            if [ "$st" = exited ]; then st="systemd-nspawn exited"; else st="SystemState '${st:-none}'"; fi
            log "boot failed ($st after $(elapsed_ms "$t0") ms). systemd-nspawn said:"
            tail -n 25 "$S/log" | sed 's/^/    /' >&2
            teardown --fast; unlock; exit 1 ;;
    esac
    if [ "${HB_USER_BUS:-0}" = 1 ]; then
        ensure_user_manager || log "WARNING: user@$USER_UID.service did not come up"
    fi
    [ "${HB_WATCH:-1}" = 0 ] || start_watcher
    trap - INT TERM HUP
    log "up in $(elapsed_ms "$t0") ms (SystemState=$st, leader pid $lp${owner:+, owner pid $owner})"
    print_env
    unlock
}

down() {
    need_root
    lock -w 120 || die "could not lock sandbox $NAME"
    if [ -e "$S" ] || [ -n "$(cg_dirs)" ]; then teardown "${1:-}"; else log "not running"; fi
    unlock
}

list() {
    local d n st
    for d in "$BASE"/*/; do
        [ -d "$d" ] || continue
        select_sandbox "$(basename "$d")"
        if is_up; then st="up ($(system_state))"; elif cg_populated; then st="unhealthy"; else st="dead"; fi
        n=$(cut -d' ' -f1 "$S/owner" 2>/dev/null)
        if [ -z "$n" ]; then n="no owner"; elif owner_gone; then n="owner $n GONE"; else n="owner $n"; fi
        echo "$NAME: $st, $n, leader $(pid_of leader), $S"
    done
}

# Host systemctl/systemd-run/systemd-analyze refuse to talk to a "local" manager
# when the host was not booted with systemd (sd_booted() checks
# /run/systemd/system), and on a systemd host they would reach the host's manager
# via /run/systemd/private. Run them in a private mount namespace with a tmpfs
# over /run/systemd that only holds an empty system/ dir: they then use
# $DBUS_SYSTEM_BUS_ADDRESS, i.e. the container's bus.
ctl() {
    need_up
    local mp=/run/systemd
    [ -d /run/systemd ] || mp=/run
    DBUS_SYSTEM_BUS_ADDRESS="unix:path=$BUS" exec unshare -m --propagation private sh -c \
        'mount -t tmpfs -o size=64k,mode=755 tmpfs "$0" && mkdir -p /run/systemd/system && exec "$@"' "$mp" "$@"
}

user_env() {
    local home
    home=$(awk -F: -v u="$USER_UID" '$3==u {print $6; exit}' "$ROOT/etc/passwd")
    echo env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="${home:-/}" \
        XDG_RUNTIME_DIR="/run/user/$USER_UID" DBUS_SESSION_BUS_ADDRESS="unix:path=/run/user/$USER_UID/bus"
}

ensure_user_manager() {
    busctl --address="unix:path=$BUS" call org.freedesktop.systemd1 /org/freedesktop/systemd1 \
        org.freedesktop.systemd1.Manager StartUnit ss "user@$USER_UID.service" replace >/dev/null || return 1
    local i r
    r="/proc/$(pid_of leader)/root/run/user/$USER_UID"
    for ((i = 0; i < 100; i++)); do
        [ -S "$r/bus" ] && [ -S "$r/systemd/private" ] && return 0
        sleep 0.05
    done
    return 1
}

main_pid_host_path() { # /proc/... of UNIT's main process, via the container's procfs
    local unit mp
    unit=$(busctl --address="unix:path=$BUS" call org.freedesktop.systemd1 /org/freedesktop/systemd1 \
        org.freedesktop.systemd1.Manager GetUnit s "$1" 2>/dev/null | sed -e 's/^o "//' -e 's/"$//') || return 1
    [ -n "$unit" ] || return 1
    mp=$(busctl --address="unix:path=$BUS" get-property org.freedesktop.systemd1 "$unit" \
        org.freedesktop.systemd1.Service MainPID 2>/dev/null | awk '{print $2}')
    [ -n "$mp" ] && [ "$mp" != 0 ] || return 1
    echo "/proc/$(pid_of leader)/root/proc/$mp"
}

cmd=${1:-}; shift || true
case "$cmd" in
    up) up ;;
    down) down "${1:-}" ;;
    status) if is_up; then echo "up ($(system_state))"; else echo down; exit 1; fi ;;
    env) need_up; print_env ;;
    list) list ;;
    reap) need_root; reap ;;
    ctl) ctl "$@" ;;
    userctl)
        [ $# -ge 1 ] || die "usage: userctl systemd-run|systemctl|busctl ARGS..."
        u=$(user_name); [ -n "$u" ] || die "no user with uid $USER_UID in the container"
        first=$1; shift
        ctl "$first" -M "$u@.host" --user "$@" ;;
    exec) need_up; exec nsenter -t "$(pid_of leader)" -a -- "$@" ;;
    user)
        need_up
        ensure_user_manager || die "user@$USER_UID.service did not come up"
        # shellcheck disable=SC2046
        exec nsenter -t "$(pid_of leader)" -a -- setpriv --reuid="$USER_UID" --regid="$USER_UID" \
            --init-groups $(user_env) "$@" ;;
    netns-exec)
        [ $# -ge 2 ] || die "usage: netns-exec UNIT CMD..."
        need_up
        u=$1; shift; p=$(main_pid_host_path "$u") || die "no MainPID for $u"
        exec nsenter --net="$p/ns/net" -- "$@" ;;
    journal)
        [ -s "$S/machine-id" ] || die "no sandbox '$NAME'"
        exec journalctl --directory="$ROOT/var/log/journal/$(cat "$S/machine-id")" --no-pager "$@" ;;
    __watch) watch "$@" ;;
    *) sed -n '2,/^set -u/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 2 ;;
esac
