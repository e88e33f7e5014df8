#!/bin/sh
# Probe for hb-example-notify: GET http://127.0.0.1:18107/ must answer 2xx within 2 s.
# When READY=1 cannot be sent, the start job fails after TimeoutStartSec=5s and systemd
# kills the service; a probe run after that sees "connection refused".
exec "$(dirname "$0")/../../probes/http-ok" "http://127.0.0.1:18107/" 2
