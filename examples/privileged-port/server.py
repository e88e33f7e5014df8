#!/usr/bin/python3
"""hb-example-privileged-port: an HTTP service on a privileged port (880), run as root.

Binding a port below net.ipv4.ip_unprivileged_port_start (1024 by default) needs
CAP_NET_BIND_SERVICE in the user namespace that owns the network namespace. So:
  * CapabilityBoundingSet= must keep CAP_NET_BIND_SERVICE (every other capability can go);
  * PrivateUsers=yes breaks it (root inside a new user namespace has no capabilities
    over the host's network namespace);
  * DynamicUser=yes / User=nobody break it unless AmbientCapabilities=CAP_NET_BIND_SERVICE.
The socket is bound before anything else, so a missing capability makes the process
exit at once with "PermissionError: [Errno 13] Permission denied".
"""
import http.server
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 880


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"ok: hb-example-privileged-port\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        print("request:", fmt % args, flush=True)


def warn_if_not_privileged(port):
    # If the sysctl allows unprivileged binds of this port, the example proves nothing.
    try:
        with open("/proc/sys/net/ipv4/ip_unprivileged_port_start") as f:
            start = int(f.read())
    except (OSError, ValueError):
        return
    if port >= start:
        print(f"WARNING: ip_unprivileged_port_start={start} <= {port}: binding needs no "
              "capability on this host, the example cannot demonstrate anything", flush=True)


if __name__ == "__main__":
    warn_if_not_privileged(PORT)
    server = http.server.HTTPServer(("127.0.0.1", PORT), Handler)
    print(f"listening on 127.0.0.1:{PORT}", flush=True)
    server.serve_forever()
