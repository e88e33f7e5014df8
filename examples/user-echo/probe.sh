#!/bin/bash
# Probe for hb-user-example-echo: a line sent to 127.0.0.1:18901 comes back within 2 s.
# "Connection refused" is retried until the deadline (python needs a moment to start).
set -u
deadline=$((SECONDS + 2))
while :; do
    if exec 3<>/dev/tcp/127.0.0.1/18901 2>/dev/null; then
        printf 'ping %s\n' "$$" >&3
        if IFS= read -r -t 2 line <&3 && [ "$line" = "ping $$" ]; then
            echo "ok: echoed"
            exit 0
        fi
        echo "FAIL: no echo from 127.0.0.1:18901 (got '${line:-}')"
        exit 1
    fi
    [ "$SECONDS" -lt "$deadline" ] || { echo "FAIL: 127.0.0.1:18901: connection refused until the 2s deadline"; exit 1; }
    sleep 0.1
done
