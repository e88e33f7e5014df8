#!/bin/sh
# Probe for hb-example-hang-ipdeny, written out with explicit timeouts on purpose.
#
# Under IPAddressDeny=any the service's SYN-ACKs never leave its cgroup (BPF firewall), so
# a connect() neither succeeds nor fails: it hangs. Every network probe must therefore
# bound its own run time. Here:
#   --connect-timeout 8   give up on the TCP handshake after 8 s  (curl exit 28)
#   --max-time 8          give up on the whole request after 8 s   (curl exit 28)
# The bound is deliberately LONGER than harden-bisect's --probe-timeout (default 5 s; the
# integration test uses 3 s): a hang should be seen by harden-bisect as a hang (verdict
# "hang", the probe killed at its deadline), not turned into an ordinary failure (exit 1) by
# the probe itself. Run standalone, the probe still ends after ~8 s and reports the hang
# (check-sandbox.py allows a probe 10 s).
# A healthy answer takes a few milliseconds. "Connection refused" (exit 7) is retried for
# up to ~1 s because the service may still be starting.
set -u
url=http://127.0.0.1:18106/
tries=0
while :; do
    status=$(curl -sS --connect-timeout 8 --max-time 8 -o /dev/null -w '%{http_code}' --url "$url" 2>&1)
    rc=$?
    case $rc in
        0)  case $status in
                2??) echo "ok: $status $url"; exit 0 ;;
                *)   echo "FAIL: $url answered HTTP $status"; exit 1 ;;
            esac ;;
        28) echo "FAIL: $url: no answer within the timeout (curl exit 28): the connection HANGS," \
                 "packets are dropped (IPAddressDeny=any without IPAddressAllow=localhost?)"
            exit 1 ;;
        7)  tries=$((tries + 1))
            if [ "$tries" -ge 10 ]; then
                echo "FAIL: $url: connection refused for 1 s (not running? PrivateNetwork=?)"; exit 1
            fi
            sleep 0.1 ;;
        *)  msg=${status#000}   # -w printed 000 before curl's error message
            echo "FAIL: $url: curl exit $rc: $(printf '%s' "$msg" | head -n 1)"; exit 1 ;;
    esac
done
