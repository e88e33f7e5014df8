#!/bin/sh
# Probe for hb-example-netlink: GET must answer 2xx within 2 s. The service answers 500
# "netlink (AF_NETLINK/NETLINK_ROUTE) failed: [Errno 97] Address family not supported by
# protocol" when RestrictAddressFamilies= lacks AF_NETLINK.
exec "$(dirname "$0")/../../probes/http-ok" "http://127.0.0.1:18105/" 2
