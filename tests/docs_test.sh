#!/bin/bash
# The man page and the shell completions name every long option `harden-bisect --help` lists,
# and no option it does not know (so a new or renamed option cannot be left undocumented).
#   docs_test.sh HARDEN_BISECT SOURCE_ROOT
set -uo pipefail
hb=$1 root=$2
failures=0

options_of_help=$("$hb" --help | grep -oE -- '(^|[ ,])--[a-z][a-z0-9-]*' | grep -oE -- '--[a-z0-9-]+' | sort -u)
[ -n "$options_of_help" ] || { echo "FAIL: no options in --help"; exit 1; }

# check FILE WHAT PATTERN_OF_AN_OPTION: every --help option occurs in FILE, and FILE's options
# all occur in --help.
check() {
    local file=$1 what=$2 extract=$3 documented missing extra
    documented=$(grep -oE -- "$extract" "$root/$file" | grep -oE -- '--[a-z0-9-]+' | sort -u)
    missing=$(comm -23 <(echo "$options_of_help") <(echo "$documented"))
    extra=$(comm -13 <(echo "$options_of_help") <(echo "$documented"))
    if [ -n "$missing" ]; then
        echo "FAIL: $file ($what) lacks:" $missing; failures=$((failures + 1))
    fi
    if [ -n "$extra" ]; then
        echo "FAIL: $file ($what) names options --help does not:" $extra; failures=$((failures + 1))
    fi
    [ -z "$missing$extra" ] && echo "ok   $file: $(echo "$documented" | wc -l) options"
}

# Man page: options are set in bold, *--name*.
check man/harden-bisect.1.scd "man page" '\*--[a-z0-9-]+\*'
check completions/harden-bisect.bash "bash completion" '(^|[ '"'"'|(])--[a-z0-9-]+'
check completions/_harden-bisect "zsh completion" "(^|[ '{,])--[a-z0-9-]+[=+]?[\[']"

[ "$failures" = 0 ] && echo PASS || exit 1
