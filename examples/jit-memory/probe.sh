#!/bin/sh
# Probe for hb-example-jit-memory: GET must answer 2xx within 2 s. The service answers 500
# "cannot map writable+executable memory: [Errno 1] Operation not permitted" under
# MemoryDenyWriteExecute=yes.
exec "$(dirname "$0")/../../probes/http-ok" "http://127.0.0.1:18104/" 2
