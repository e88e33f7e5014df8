# bash completion for harden-bisect(1).
# Options are listed here; tests/docs_test.sh checks the lists against `harden-bisect --help`.
_harden_bisect_options_with_value='-p --probe --probe-user --probe-timeout --settle
    --start-timeout --stop-timeout --confirm --retries --catalogue --only --skip -o --output
    --json --json-file --junit --root --state-dir -M --machine -H --host'
_harden_bisect_flags='--retries-all --full-settle --stop-original --trace --no-trace --repairs --no-repairs --check-maximal --user --system --apply --resume --list-options --no-pager -v
    --verbose -q --quiet --version -h --help'

# Subcommands (first word) and their options; docs_test.sh checks each list against
# `harden-bisect SUBCOMMAND --help` (verify takes the main command's options).
_harden_bisect_commands='verify lint plan submit jobs cancel'
_harden_bisect_lint_options='--json --threshold --candidates --catalogue --root --dropin --format
    --patch-root'
_harden_bisect_lint_flags='--no-system-dropins --user --no-pager -h --help'
_harden_bisect_submit_options='-p --probe -o --output --json --probe-user --probe-timeout --settle
    --start-timeout --stop-timeout --confirm --retries --only --skip'
_harden_bisect_submit_flags='--wait -q --quiet --stop-original --check-maximal --trace --no-trace
    -h --help'
_harden_bisect_jobs_options=''
_harden_bisect_jobs_flags='-h --help'
_harden_bisect_cancel_options=''
_harden_bisect_cancel_flags='-h --help'
_harden_bisect_plan_commands='run merge validate discover'
_harden_bisect_plan_run_options='--out --shard --baseline --threshold --sarif --catalogue --state-dir'
_harden_bisect_plan_run_flags='-q --quiet -h --help'
_harden_bisect_plan_merge_options='--out --sarif'
_harden_bisect_plan_merge_flags='-q --quiet -h --help'
_harden_bisect_plan_validate_options=''
_harden_bisect_plan_validate_flags='-h --help'
_harden_bisect_plan_discover_options=''
_harden_bisect_plan_discover_flags='-h --help'

_harden_bisect_services() {
    local scope=--system
    [[ " ${COMP_WORDS[*]} " == *" --user "* ]] && scope=--user
    systemctl $scope list-unit-files --type=service --no-legend --no-pager --plain 2>/dev/null |
        awk '{ print $1 }' | grep -v '@\.service$'
}

_harden_bisect() {
    local cur prev command= plan_command= var
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_CWORD:+${COMP_WORDS[COMP_CWORD-1]}}
    # The subcommand is the first word; plan has its own second word.
    if [[ $COMP_CWORD -gt 1 && " $_harden_bisect_commands " == *" ${COMP_WORDS[1]} "* ]]; then
        command=${COMP_WORDS[1]}
    fi
    if [ "$command" = plan ] && [ "$COMP_CWORD" -gt 2 ]; then
        plan_command=${COMP_WORDS[2]}
    fi

    case $command in
        '' | verify) ;;  # verify takes the main command's options
        plan)
            if [ -z "$plan_command" ]; then
                COMPREPLY=($(compgen -W "$_harden_bisect_plan_commands" -- "$cur")); return
            fi
            case $prev in
                --out | --baseline | --state-dir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
                --sarif | --catalogue) COMPREPLY=($(compgen -f -- "$cur")); return ;;
                --shard | --threshold) return ;;
            esac
            var=_harden_bisect_plan_${plan_command}_options
            if [[ $cur == -* ]]; then
                local flags=_harden_bisect_plan_${plan_command}_flags
                COMPREPLY=($(compgen -W "${!var-} ${!flags-}" -- "$cur"))
            elif [ "$plan_command" = merge ]; then
                COMPREPLY=($(compgen -d -- "$cur"))
            else
                COMPREPLY=($(compgen -f -X '!*.y*ml' -- "$cur") $(compgen -d -- "$cur"))
            fi
            return ;;
        lint)
            case $prev in
                --json) COMPREPLY=($(compgen -W 'pretty short off' -- "$cur")); return ;;
                --format) COMPREPLY=($(compgen -W 'table unit patch' -- "$cur")); return ;;
                --root | --patch-root) COMPREPLY=($(compgen -d -- "$cur")); return ;;
                --catalogue | --dropin) COMPREPLY=($(compgen -f -- "$cur")); return ;;
                --threshold | --candidates) return ;;
            esac
            if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "$_harden_bisect_lint_options $_harden_bisect_lint_flags" -- "$cur"))
            else
                COMPREPLY=($(compgen -f -- "$cur"))
            fi
            return ;;
        jobs | cancel)
            var=_harden_bisect_${command}_flags
            [[ $cur == -* ]] && COMPREPLY=($(compgen -W "${!var}" -- "$cur"))
            return ;;
        submit)
            if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "$_harden_bisect_submit_options $_harden_bisect_submit_flags" -- "$cur"))
                return
            fi ;;  # values and the unit: as for the main command, below
    esac

    case $prev in
        -p | --probe)
            local probedir=${HARDEN_BISECT_PROBEDIR:-/usr/libexec/harden-bisect/probes}
            local bundled=
            [ -d "$probedir" ] && bundled=$(cd "$probedir" && compgen -f -- "$cur")
            COMPREPLY=($(compgen -W "$bundled" -- "$cur") $(compgen -f -- "$cur"))
            return ;;
        --probe-user)
            COMPREPLY=($(compgen -u -- "$cur")); return ;;
        --json)
            COMPREPLY=($(compgen -W 'pretty short off' -- "$cur")); return ;;
        --catalogue | -o | --output | --json-file | --junit)
            COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --root | --state-dir)
            COMPREPLY=($(compgen -d -- "$cur")); return ;;
        -M | --machine)
            COMPREPLY=($(compgen -W "$(machinectl list --no-legend 2>/dev/null |
                awk '{ print $1 }') .host $(compgen -u | sed 's/$/@.host/')" -- "$cur")); return ;;
        -H | --host)
            COMPREPLY=($(compgen -A hostname -- "$cur")); return ;;
        --only | --skip)
            COMPREPLY=($(compgen -W "$(harden-bisect --list-options 2>/dev/null |
                awk 'NF { print $1 }')" -- "$cur")); return ;;
        --probe-timeout | --settle | --start-timeout | --stop-timeout | --confirm | --retries)
            return ;;
    esac

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$_harden_bisect_options_with_value $_harden_bisect_flags" \
            -- "$cur"))
    elif [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "$_harden_bisect_commands $(_harden_bisect_services)" -- "$cur"))
    else
        COMPREPLY=($(compgen -W "$(_harden_bisect_services)" -- "$cur"))
    fi
}

complete -F _harden_bisect harden-bisect
