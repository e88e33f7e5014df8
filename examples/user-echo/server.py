#!/usr/bin/python3
"""hb-user-example-echo: a per-user service, like a mail bridge, for `harden-bisect --user`.

Echoes one line per TCP connection on 127.0.0.1:PORT and appends one line per connection to
LOGDIR/connections.log in the user's home. Its real needs: an AF_INET socket reachable from
the prober (on the host's network) and a writable home directory. Under a user manager,
ProtectHome= and ProtectSystem=strict are enforced only together with PrivateUsers=yes; with
it they really hide (or freeze) the home directory, and the service exits 1 at start.
"""
import os
import socketserver
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 18901
LOGDIR = sys.argv[2] if len(sys.argv) > 2 else os.path.expanduser("~/.local/share/hb-user-echo")


class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline(1024)
        self.wfile.write(line)
        with open(os.path.join(LOGDIR, "connections.log"), "a") as log:
            log.write("echoed %d bytes\n" % len(line))


if __name__ == "__main__":
    try:
        os.makedirs(LOGDIR, exist_ok=True)
        open(os.path.join(LOGDIR, "connections.log"), "a").close()
    except OSError as e:  # ProtectHome=, ProtectSystem=strict (enforced with PrivateUsers=yes)
        print(f"cannot write {LOGDIR}: {e}", flush=True)
        sys.exit(1)
    socketserver.TCPServer.allow_reuse_address = True
    server = socketserver.TCPServer(("127.0.0.1", PORT), Echo)
    print(f"echoing on 127.0.0.1:{PORT}, logging to {LOGDIR}", flush=True)
    server.serve_forever()
