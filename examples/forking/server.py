#!/usr/bin/python3
"""hb-example-forking: a classic SysV-style daemon for Type=forking + PIDFile=.

The process systemd starts binds the HTTP socket (so bind errors become its exit status),
forks; the child calls setsid() and forks again; that middle process writes the
grandchild's pid to the pid file and exits; the original process waits for it and exits 0.
By then the socket is listening and the pid file exists, which is exactly what systemd
waits for with Type=forking: "parent exited" + "PIDFile= readable".

Its real needs are not a hardening option but the unit's own settings, which a transient
copy must carry over: Type=forking, PIDFile=, and RuntimeDirectory= (the pid file lives in
/run/hb-example-forking/, which ProtectSystem=strict would otherwise make read-only).
"""
import http.server
import os
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 18108
PIDFILE = sys.argv[2] if len(sys.argv) > 2 else "/run/hb-example-forking/hb-example-forking.pid"


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"ok: hb-example-forking, daemon pid {os.getpid()}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        print("request:", fmt % args, flush=True)


def write_pidfile(pid):
    tmp = PIDFILE + ".tmp"               # write + rename: systemd never sees a half file
    with open(tmp, "w") as f:
        f.write(f"{pid}\n")
    os.rename(tmp, PIDFILE)


def main():
    server = http.server.HTTPServer(("127.0.0.1", PORT), Handler)   # fail here, not later
    child = os.fork()
    if child:                            # original process: exit once the daemon is set up
        _, status = os.waitpid(child, 0)
        sys.exit(os.waitstatus_to_exitcode(status))
    os.setsid()                          # first child: new session, no controlling tty
    daemon = os.fork()
    if daemon:
        try:
            write_pidfile(daemon)
        except OSError as e:
            print(f"cannot write pid file {PIDFILE}: {e}", flush=True)
            os.kill(daemon, 9)
            os._exit(1)
        os._exit(0)
    os.chdir("/")                        # the daemon (grandchild) keeps stdout = journal
    os.umask(0o022)
    print(f"daemon pid {os.getpid()} listening on 127.0.0.1:{PORT}, pid file {PIDFILE}",
          flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
