#!/usr/bin/python3
"""hb-example-http-plain: the simplest possible local HTTP service.

Answers every GET with "200 ok". It needs nothing but an AF_INET socket on 127.0.0.1,
so it should survive almost every hardening option; only network isolation breaks it
(PrivateNetwork=yes: the host cannot reach it; IPAddressDeny=any: requests hang;
RestrictAddressFamilies= without AF_INET: it cannot create its socket).
"""
import http.server
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 18101


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"ok: hb-example-http-plain\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):  # one short line per request in the journal
        print("request:", fmt % args, flush=True)


if __name__ == "__main__":
    server = http.server.HTTPServer(("127.0.0.1", PORT), Handler)
    print(f"listening on 127.0.0.1:{PORT}", flush=True)
    server.serve_forever()
