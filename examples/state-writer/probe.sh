#!/bin/sh
# Probe for hb-example-state-writer: every GET appends a line under
# /var/lib/hb-example-state-writer; the service answers 200 only if the append worked,
# else 500 "cannot write ...: [Errno 30] Read-only file system" (printed by http-ok).
exec "$(dirname "$0")/../../probes/http-ok" "http://127.0.0.1:18103/" 2
