#!/bin/bash
# systemd's command-line conventions of the main command (issue 13 item 5), without systemd:
# --help and --version, one-line usage errors (exit 2) for bad numbers and --json values,
# --list-options under --only/--skip, a probe after "--" kept word for word, colours.
#   cli_test.sh HARDEN_BISECT
set -uo pipefail
hb=$1
failures=0
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent/bus  # nothing here may reach a systemd
unset SYSTEMD_COLORS NO_COLOR
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect CODE REGEX ARGS...: exit code, and the last stderr line (the only one) matches.
expect() {
    local code=$1 regex=$2; shift 2
    local err rc
    err=$("$hb" "$@" 2>&1 >/dev/null); rc=$?
    if [ "$rc" != "$code" ] || [ "$(printf '%s\n' "$err" | wc -l)" != 1 ] ||
        ! printf '%s' "$err" | grep -Eq -- "$regex"; then
        fail "$* -> exit $rc (want $code), stderr: $err (want one line /$regex/)"
    else
        echo "ok   $* -> $rc: $err"
    fi
}

# --help: grouped, within 100 columns; --version names the modelled systemd.
help=$("$hb" --help) || fail "--help exits non-zero"
long=$(printf '%s\n' "$help" | awk 'length($0) > 100')
[ -z "$long" ] || fail "--help lines over 100 columns: $long"
for group in Probe Search 'Unit and system' Output; do
    printf '%s\n' "$help" | grep -q "^$group:" || fail "--help has no group '$group:'"
done
"$hb" --version | grep -Eq '^harden-bisect [0-9.]+ .*systemd 252' || fail "--version: $("$hb" --version)"

# Numbers: no negative, zero, non-finite or absurd timeouts and counts.
expect 2 '--probe-timeout: .*-1.* not a number of seconds' --probe-timeout -1 --probe /bin/true x
expect 2 '--probe-timeout: .*0.* not a number of seconds' --probe-timeout 0 --probe /bin/true x
expect 2 '--settle: .*nan' --settle nan --probe /bin/true x
expect 2 '--start-timeout: .*1e9' --start-timeout 1e9 --probe /bin/true x
expect 2 '--stop-timeout: .*abc' --stop-timeout abc --probe /bin/true x
expect 2 '--confirm: .*0.* not a whole number' --confirm 0 --probe /bin/true x
expect 2 '--retries: .*-2.* not a whole number' --retries -2 --probe /bin/true x
expect 2 '--retries: .*1.5' --retries 1.5 --probe /bin/true x
# --settle 0 is fine: parsing goes on to the bus, which is not there.
expect 6 'cannot connect to the system bus' --settle 0 --probe /bin/true x

# --json is a mode now; the old --json FILE is pointed to --json-file.
expect 2 "--json: .*'report.json' is not pretty, short or off.*--json-file FILE" --json report.json --probe /bin/true x
expect 2 'both want stdout' --json=short -o - --probe /bin/true x

# A probe after -- keeps its words: a path with a space is one word, not split at it.
expect 3 'probe /nonexistent dir/probe: no such file' x.service -- '/nonexistent dir/probe' 'a b'
expect 2 'a probe is required: --probe PROBE, or PROBE after --' x.service --
expect 6 'cannot connect to the system bus' x -- /bin/sh -c 'exit 0'

# --list-options honours --only and --skip; a pattern matching nothing is an error.
all=$("$hb" --list-options --no-pager | cut -f1)
caps=$("$hb" --list-options --only CapabilityBoundingSet | cut -f1)
[ -n "$caps" ] && ! printf '%s\n' "$caps" | grep -qv '^CapabilityBoundingSet' ||
    fail "--only CapabilityBoundingSet listed: $caps"
rest=$("$hb" --list-options --skip CapabilityBoundingSet | cut -f1)
[ "$(($(printf '%s\n' "$caps" | wc -l) + $(printf '%s\n' "$rest" | wc -l)))" = "$(printf '%s\n' "$all" | wc -l)" ] &&
    ! printf '%s\n' "$rest" | grep -q '^CapabilityBoundingSet' || fail "--skip does not remove exactly --only's set"
expect 2 '--only CapabiltyBoundingSet: no option' --list-options --only CapabiltyBoundingSet
expect 2 '--skip Nope: no option' --list-options --skip Nope
expect 2 '--only Nope: no option' --only Nope --probe /bin/true x.service

# Colours: SYSTEMD_COLORS forces them even off a terminal, NO_COLOR turns them off, and off a
# terminal there are none. Two bad probes make a logged error besides the final line.
colour_run() { "$hb" --probe /nonexistent/a --probe /nonexistent/b x.service 2>&1 >/dev/null || true; }
esc=$(printf '\033')
SYSTEMD_COLORS=1 colour_run | grep -q "$esc\[" || fail "SYSTEMD_COLORS=1: no colour"
SYSTEMD_COLORS=1 NO_COLOR=1 colour_run | grep -q "$esc\[" || fail "SYSTEMD_COLORS=1 wins over NO_COLOR"
SYSTEMD_COLORS=0 colour_run | grep -q "$esc\[" && fail "SYSTEMD_COLORS=0: colour"
NO_COLOR=1 colour_run | grep -q "$esc\[" && fail "NO_COLOR=1: colour"
colour_run | grep -q "$esc\[" && fail "colour off a terminal"

[ "$failures" = 0 ] && echo PASS || { echo "$failures failures"; exit 1; }
