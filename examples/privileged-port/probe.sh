#!/bin/sh
# Probe for hb-example-privileged-port: GET http://127.0.0.1:880/ must answer 2xx within 2 s.
# Without CAP_NET_BIND_SERVICE the service exits at bind(), so this sees "connection refused".
exec "$(dirname "$0")/../../probes/http-ok" "http://127.0.0.1:880/" 2
