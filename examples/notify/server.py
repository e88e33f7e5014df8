#!/usr/bin/python3
"""hb-example-notify: a Type=notify service. It binds its HTTP socket, then tells systemd
"READY=1" over $NOTIFY_SOCKET (an AF_UNIX datagram socket), then serves HTTP.

Its real need: AF_UNIX, only to talk to systemd. With RestrictAddressFamilies= lacking
AF_UNIX (e.g. "AF_INET AF_INET6") socket(AF_UNIX) fails with EAFNOSUPPORT, the READY=1
never arrives, and systemd fails the start job after TimeoutStartSec= (5 s in the unit)
and kills the service. Like most real daemons (sd_notify() errors are usually ignored) it
only logs the failure and keeps going, so the breakage shows up as a failed start job.

sd_notify() is re-implemented here with the stdlib (no python3-systemd needed):
$NOTIFY_SOCKET is a path, or an abstract socket name written with a leading "@".
"""
import http.server
import os
import socket
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 18107


def sd_notify(state):
    """Sends `state` to systemd; returns None on success or an error string."""
    addr = os.environ.get("NOTIFY_SOCKET")
    if not addr:
        return "NOTIFY_SOCKET is not set (not started by systemd with Type=notify?)"
    if addr[0] == "@":                 # abstract namespace: "@name" means "\0name"
        addr = "\0" + addr[1:]
    elif addr[0] != "/":
        return f"unsupported NOTIFY_SOCKET {addr!r}"
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as s:
            s.connect(addr)
            s.sendall(state.encode())
    except OSError as e:
        return f"{e}"
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"ok: hb-example-notify\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        print("request:", fmt % args, flush=True)


if __name__ == "__main__":
    server = http.server.HTTPServer(("127.0.0.1", PORT), Handler)   # bound + listening
    err = sd_notify(f"READY=1\nSTATUS=serving HTTP on 127.0.0.1:{PORT}")
    if err:
        print(f"WARNING: cannot notify systemd (READY=1): {err}", flush=True)
    else:
        print(f"listening on 127.0.0.1:{PORT}, sent READY=1", flush=True)
    server.serve_forever()
