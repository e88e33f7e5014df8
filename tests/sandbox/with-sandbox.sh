#!/bin/bash
# with-sandbox.sh CMD [ARGS...] - run CMD against its own throw-away systemd.
#
# Boots a uniquely named sandbox (sandbox.sh up), exports its environment
# (DBUS_SYSTEM_BUS_ADDRESS, HB_ROOT, HB_LEADER_PID, HB_STATE_DIR, HB_USER_UID,
# HB_USER, HB_SANDBOX=path of sandbox.sh, ...), runs CMD, and tears the sandbox
# down on every exit path: CMD finished, CMD failed, SIGINT/SIGTERM/SIGHUP to
# this wrapper. If the wrapper is SIGKILLed, the sandbox's watcher tears it down
# within ~0.5 s; failing that, the next `sandbox.sh up`/`reap` does, and
# HB_LIFETIME (default 3600 s) bounds the container's life in any case.
#
# Exit status: CMD's; 128+N if the wrapper got signal N; 99 if the sandbox could
# not be booted (meson reports 99 as ERROR; never a silent skip).
# On failure the tail of the container's journal is printed (HB_JOURNAL_LINES=40).
# Needs root. Used by every meson integration test (tests/integration/meson.build).
set -u

HERE=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd -P)
SB=$HERE/sandbox.sh
me=with-sandbox.sh

if [ $# -lt 1 ]; then
    sed -n '2,/^set -u/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
    exit 2
fi
if [ "$(id -u)" != 0 ]; then
    echo "$me: must run as root: the sandbox needs mount, cgroups and systemd-nspawn" >&2
    exit 99
fi

HB_NAME="hbw-$$-$(od -An -N3 -tx1 /dev/urandom | tr -d " \n")"
export HB_NAME
export HB_OWNER_PID=$$
export HB_LIFETIME=${HB_LIFETIME:-3600}
child=
torn_down=0
envfile=$(mktemp "${TMPDIR:-/tmp}/hb-env.XXXXXX") || exit 99

# In a new session, so that it completes even if our process group is SIGKILLed
# right after (meson: SIGTERM to the group, SIGKILL 0.5 s later).
teardown() {
    [ "$torn_down" = 1 ] && return
    torn_down=1
    setsid "$SB" down --fast </dev/null &
    local p=$!
    while kill -0 "$p" 2>/dev/null; do wait "$p"; done
    rm -f "$envfile"
}

on_signal() { # $1 = name, $2 = number
    trap : INT TERM HUP          # further signals only interrupt the waits below
    echo "$me: got SIG$1, tearing down sandbox $HB_NAME" >&2
    [ -n "$child" ] && kill -TERM "$child" 2>/dev/null
    teardown
    if [ -n "$child" ]; then
        local i
        for ((i = 0; i < 50; i++)); do kill -0 "$child" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$child" 2>/dev/null
    fi
    exit $((128 + $2))
}
trap 'on_signal INT 2' INT
trap 'on_signal TERM 15' TERM
trap 'on_signal HUP 1' HUP
trap teardown EXIT

# `up` runs in the background so that a signal is handled at once (bash runs
# traps only between foreground commands).
"$SB" up >"$envfile" </dev/null &
child=$!
wait "$child"
rc=$?
child=
if [ $rc != 0 ]; then
    echo "$me: the sandbox could not be booted (sandbox.sh up exit status $rc; reason above)" >&2
    exit 99
fi
# shellcheck disable=SC1090
. "$envfile"

# CMD gets our stdin and the default SIGINT/SIGQUIT disposition (bash would
# otherwise ignore both in a background job).
started=${EPOCHREALTIME/,/.}
exec {stdin}<&0
( trap - INT QUIT; exec "$@" <&"$stdin" {stdin}<&- ) &
child=$!
exec {stdin}<&-
wait "$child"
rc=$?
child=

if [ $rc != 0 ] && [ "${HB_JOURNAL_LINES:-40}" != 0 ]; then
    echo "$me: '$*' exited with status $rc; the sandbox journal since it started (last ${HB_JOURNAL_LINES:-40} lines):" >&2
    "$SB" journal -S "@$started" -n "${HB_JOURNAL_LINES:-40}" -o short-precise 2>&1 | sed 's/^/    /' >&2
fi
teardown
exit $rc
