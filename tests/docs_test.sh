#!/bin/bash
# The man page and the shell completions name every long option `harden-bisect --help` lists,
# and no option it does not know (so a new or renamed option cannot be left undocumented); the
# same for every subcommand's --help and its completion lists. The examples' nightly plan is a
# valid plan and their GitLab CI file publishes JUnit.
#   docs_test.sh HARDEN_BISECT SOURCE_ROOT
set -uo pipefail
hb=$1 root=$2
failures=0

# help_options ARGS...: the long options `harden-bisect ARGS... --help` lists. A subcommand's
# CLI11 help lists them on lines of their own ("  -h,--help ..."), so its description may quote
# other tools' options (lint: systemd-analyze's --offline=true).
help_options() {
    if [ $# -gt 0 ]; then
        "$hb" "$@" --help | grep -E -- '^ +-' | grep -oE -- '(^|[ ,])--[a-z][a-z0-9-]*' |
            grep -oE -- '--[a-z0-9-]+' | sort -u
    else
        "$hb" --help | grep -oE -- '(^|[ ,])--[a-z][a-z0-9-]*' | grep -oE -- '--[a-z0-9-]+' | sort -u
    fi
}

# check WHAT HELP_OPTIONS OPTIONS: every --help option is in OPTIONS (one or more words), and
# nothing else.
check() {
    local what=$1 of_help=$2 documented missing extra
    [ -n "$of_help" ] || { echo "FAIL: no options in --help for $what"; failures=$((failures + 1)); return; }
    documented=$(echo "$3" | grep -oE -- '--[a-z0-9-]+' | sort -u)
    missing=$(comm -23 <(echo "$of_help") <(echo "$documented"))
    extra=$(comm -13 <(echo "$of_help") <(echo "$documented"))
    [ -z "$missing" ] || { echo "FAIL: $what lacks:" $missing; failures=$((failures + 1)); }
    [ -z "$extra" ] || { echo "FAIL: $what names options --help does not:" $extra; failures=$((failures + 1)); }
    [ -z "$missing$extra" ] && echo "ok   $what: $(echo "$documented" | wc -l) options"
}

# bash_list VAR...: the words of the completion's variables.
bash_list() {
    bash -c 'source "$1"; shift; for v in "$@"; do echo "${!v}"; done' _ "$root/completions/harden-bisect.bash" "$@"
}
# zsh_specs NAME: the option specs of the zsh array _harden_bisect_opts_NAME
# ('--name=[...]', {-x,--name}'[...]').
zsh_specs() {
    sed -n "/^_harden_bisect_opts_$1=(/,/^)/p" "$root/completions/_harden-bisect" |
        grep -oE -- "[ '{,*)]--[a-z0-9-]+[=+]?[[}]"
}

main=$(help_options)
# Man page: the OPTIONS section, where options are set in bold (*--name*).
check "man/harden-bisect.1.scd OPTIONS" "$main" "$(sed -n '/^# OPTIONS/,/^# [A-Z]/p' "$root/man/harden-bisect.1.scd" |
    grep -oE -- '\*--[a-z0-9-]+\*')"
# bash: the two lists the completion offers.
check "completions/harden-bisect.bash" "$main" "$(bash_list _harden_bisect_options_with_value _harden_bisect_flags)"
check "completions/_harden-bisect" "$main" "$(zsh_specs main)"

# Subcommands: `verify` takes the main command's options (checked above).
for cmd in lint submit jobs cancel "plan run" "plan merge" "plan validate" "plan discover"; do
    name=${cmd// /_}
    of_help=$(help_options $cmd)
    check "bash completion of $cmd" "$of_help" \
        "$(bash_list "_harden_bisect_${name}_options" "_harden_bisect_${name}_flags")"
    check "zsh completion of $cmd" "$of_help" "$(zsh_specs "$name")"
done
# Every subcommand is offered as a first word (and plan's second words), and nothing else.
commands=$(bash_list _harden_bisect_commands | tr ' ' '\n' | grep . | sort)
[ "$commands" = "$(printf '%s\n' cancel jobs lint plan submit verify)" ] ||
    { echo "FAIL: bash completion commands: $commands"; failures=$((failures + 1)); }
for c in verify lint plan submit jobs cancel; do
    grep -q "^  '$c:" "$root/completions/_harden-bisect" ||
        { echo "FAIL: zsh completion lacks command $c"; failures=$((failures + 1)); }
done
for c in run merge validate discover; do
    grep -qw "$c" <(bash_list _harden_bisect_plan_commands) && grep -q "'$c:" "$root/completions/_harden-bisect" ||
        { echo "FAIL: completions lack plan $c"; failures=$((failures + 1)); }
done

# examples/: the nightly plan is valid; the GitLab CI job publishes the merged JUnit file.
if "$hb" plan validate "$root/examples/nightly.yaml"; then echo "ok   examples/nightly.yaml"; else
    echo "FAIL: examples/nightly.yaml is not a valid plan"; failures=$((failures + 1)); fi
python3 - "$root/examples/gitlab-ci.yml" <<'PY' || failures=$((failures + 1))
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
junit = [name for name, job in doc.items() if isinstance(job, dict)
         and job.get("artifacts", {}).get("reports", {}).get("junit", "").endswith("junit.xml")]
runs = [name for name, job in doc.items() if isinstance(job, dict)
        and any("plan run examples/nightly.yaml" in line for line in job.get("script", []))]
ok = bool(junit) and bool(runs)
print(("ok  " if ok else "FAIL:") + f" examples/gitlab-ci.yml: runs the plan in {runs}, JUnit from {junit}")
sys.exit(0 if ok else 1)
PY

[ "$failures" = 0 ] && echo PASS || exit 1
