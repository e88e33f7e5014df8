#!/bin/sh
# Probe for hb-example-http-plain: GET http://127.0.0.1:18101/ must answer 2xx within 2 s.
exec "$(dirname "$0")/../../probes/http-ok" "http://127.0.0.1:18101/" 2
