#!/bin/bash
# The man page and the shell completions name every long option `harden-bisect --help` lists,
# and no option it does not know (so a new or renamed option cannot be left undocumented).
#   docs_test.sh HARDEN_BISECT SOURCE_ROOT
set -uo pipefail
hb=$1 root=$2
failures=0

options_of_help=$("$hb" --help | grep -oE -- '(^|[ ,])--[a-z][a-z0-9-]*' | grep -oE -- '--[a-z0-9-]+' | sort -u)
[ -n "$options_of_help" ] || { echo "FAIL: no options in --help"; exit 1; }

# check WHAT OPTIONS: every --help option is in OPTIONS (one or more words), and nothing else.
check() {
    local what=$1 documented missing extra
    documented=$(echo "$2" | grep -oE -- '--[a-z0-9-]+' | sort -u)
    missing=$(comm -23 <(echo "$options_of_help") <(echo "$documented"))
    extra=$(comm -13 <(echo "$options_of_help") <(echo "$documented"))
    [ -z "$missing" ] || { echo "FAIL: $what lacks:" $missing; failures=$((failures + 1)); }
    [ -z "$extra" ] || { echo "FAIL: $what names options --help does not:" $extra; failures=$((failures + 1)); }
    [ -z "$missing$extra" ] && echo "ok   $what: $(echo "$documented" | wc -l) options"
}

# Man page: the OPTIONS section, where options are set in bold (*--name*).
check "man/harden-bisect.1.scd OPTIONS" "$(sed -n '/^# OPTIONS/,/^# [A-Z]/p' "$root/man/harden-bisect.1.scd" |
    grep -oE -- '\*--[a-z0-9-]+\*')"
# bash: the two lists the completion offers.
check "completions/harden-bisect.bash" "$(bash -c 'source "$1"; echo "$_harden_bisect_options_with_value $_harden_bisect_flags"' \
    _ "$root/completions/harden-bisect.bash")"
# zsh: the option specs of _arguments ('--name=[...]', {-x,--name}'[...]').
check "completions/_harden-bisect" "$(grep -oE -- "[ '{,*)]--[a-z0-9-]+[=+]?[[}]" "$root/completions/_harden-bisect")"

[ "$failures" = 0 ] && echo PASS || exit 1
