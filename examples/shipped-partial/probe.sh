#!/bin/sh
# Probe for hb-example-shipped-partial: GET http://127.0.0.1:18131/ must answer 2xx within 2 s.
exec "$(dirname "$0")/../../probes/http-ok" "http://127.0.0.1:18131/" 2
