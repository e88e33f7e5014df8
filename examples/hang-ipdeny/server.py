#!/usr/bin/python3
"""hb-example-hang-ipdeny: a local HTTP service whose failure mode is a HANG, not an error.

It is as plain as http-plain. The point is what IPAddressDeny=any does to it: systemd
attaches a BPF cgroup firewall that silently DROPS the packets of the service's cgroup.
The service starts fine, listens fine, and systemd reports it active, but a client's SYN
is never answered: the client waits until its own timeout. A probe without a timeout would
hang the search forever, so probe.sh uses curl --connect-timeout/--max-time.

IPAddressDeny=any together with IPAddressAllow=localhost passes (the probe talks to
127.0.0.1), and that pair is what the tool should keep.
"""
import http.server
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 18106


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"ok: hb-example-hang-ipdeny\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        print("request:", fmt % args, flush=True)


if __name__ == "__main__":
    server = http.server.HTTPServer(("127.0.0.1", PORT), Handler)
    print(f"listening on 127.0.0.1:{PORT}", flush=True)
    server.serve_forever()
