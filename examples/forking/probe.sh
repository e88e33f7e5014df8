#!/bin/sh
# Probe for hb-example-forking: GET http://127.0.0.1:18108/ must answer 2xx within 2 s
# (the body names the daemon's pid, which should match the unit's MainPID).
exec "$(dirname "$0")/../../probes/http-ok" "http://127.0.0.1:18108/" 2
