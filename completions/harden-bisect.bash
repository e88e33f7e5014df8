# bash completion for harden-bisect(1).
# Options are listed here; tests/docs_test.sh checks the lists against `harden-bisect --help`.
_harden_bisect_options_with_value='-p --probe --probe-user --probe-timeout --settle
    --start-timeout --stop-timeout --confirm --retries --catalogue --only --skip -o --output
    --json --json-file --junit --root --state-dir'
_harden_bisect_flags='--retries-all --full-settle --stop-original --trace --no-trace --check-maximal --apply --resume --list-options --no-pager -v
    --verbose -q --quiet --version -h --help'

_harden_bisect_services() {
    systemctl list-unit-files --type=service --no-legend --no-pager --plain 2>/dev/null |
        awk '{ print $1 }' | grep -v '@\.service$'
}

_harden_bisect() {
    local cur prev
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_CWORD:+${COMP_WORDS[COMP_CWORD-1]}}

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
        --only | --skip)
            COMPREPLY=($(compgen -W "$(harden-bisect --list-options 2>/dev/null |
                awk 'NF { print $1 }')" -- "$cur")); return ;;
        --probe-timeout | --settle | --start-timeout | --stop-timeout | --confirm | --retries)
            return ;;
    esac

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$_harden_bisect_options_with_value $_harden_bisect_flags" \
            -- "$cur"))
    else
        COMPREPLY=($(compgen -W "$(_harden_bisect_services)" -- "$cur"))
    fi
}

complete -F _harden_bisect harden-bisect
