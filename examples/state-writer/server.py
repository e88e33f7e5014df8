#!/usr/bin/python3
"""hb-example-state-writer: appends one line to /var/lib/hb-example-state-writer/requests.log
on every request, and answers 200 only if that append worked (500 + the error otherwise).

Its real need: a writable directory under /var/lib that it creates itself (mkdir -p), the
way many old daemons do, instead of asking systemd for one with StateDirectory=. So:
  * ProtectSystem=strict breaks it (all of /var is read-only; "Read-only file system");
  * ProtectSystem=yes and =full pass (they leave /var writable);
  * ProtectSystem=strict + ReadWritePaths=/var/lib/hb-example-state-writer passes, but only
    once the directory exists (a missing ReadWritePaths= path fails the start with
    226/NAMESPACE unless written "-/var/lib/...");
  * DynamicUser=yes breaks it (implies ProtectSystem=strict, and the uid cannot write the
    root-owned directory anyway), and so does User=nobody.
The service keeps running when the directory cannot be written, so a breaking option shows
up as an HTTP 500 with the reason, not as a failed start.
"""
import http.server
import os
import sys
import time

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 18103
STATE_DIR = "/var/lib/hb-example-state-writer"
LOG = os.path.join(STATE_DIR, "requests.log")


def append_line(text):
    """mkdir -p the state directory and append one line; returns the number of lines."""
    os.makedirs(STATE_DIR, mode=0o755, exist_ok=True)
    with open(LOG, "a+") as f:
        f.write(text + "\n")
        f.flush()
        os.fsync(f.fileno())
        f.seek(0)
        return sum(1 for _ in f)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        try:
            n = append_line(f"{time.time():.3f} {self.client_address[0]} {self.path}")
            code, body = 200, f"ok: appended line {n} to {LOG}\n"
        except OSError as e:
            code, body = 500, f"cannot write {LOG}: {e}\n"
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):
        print("request:", fmt % args, flush=True)


if __name__ == "__main__":
    try:  # pre-create at start-up too; a failure is only logged (requests will report it)
        os.makedirs(STATE_DIR, mode=0o755, exist_ok=True)
    except OSError as e:
        print(f"WARNING: cannot create {STATE_DIR}: {e}", flush=True)
    server = http.server.HTTPServer(("127.0.0.1", PORT), Handler)
    print(f"listening on 127.0.0.1:{PORT}, state in {STATE_DIR}", flush=True)
    server.serve_forever()
