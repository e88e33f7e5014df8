#!/usr/bin/python3
"""hb-example-netlink: lists the network interfaces over rtnetlink on every request.

Per request it opens socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE), sends an RTM_GETLINK
dump request and answers 200 with the interface names (only if "lo" is among them), or 500
with the error. Network managers, VPN daemons, monitoring agents and anything that calls
getifaddrs()/if_nameindex() (glibc does those over netlink) have the same need.

So RestrictAddressFamilies= must keep AF_NETLINK: with "AF_INET AF_INET6" (or
"~AF_NETLINK") socket() fails with EAFNOSUPPORT. Reading the link list needs no
capability, so CapabilityBoundingSet= can be empty.
"""
import http.server
import os
import socket
import struct
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 18105

RTM_NEWLINK, RTM_GETLINK = 16, 18
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
IFLA_IFNAME = 3
NLMSGHDR = struct.Struct("=IHHII")     # len, type, flags, seq, pid
IFINFOMSG = struct.Struct("=BxHiII")   # family, pad, type, index, flags, change
RTATTR = struct.Struct("=HH")          # len, type


def list_links():
    """Returns the interface names, via one RTM_GETLINK dump on a fresh netlink socket."""
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE) as s:
        s.settimeout(2)
        s.bind((0, 0))
        payload = IFINFOMSG.pack(socket.AF_UNSPEC, 0, 0, 0, 0)
        s.send(NLMSGHDR.pack(NLMSGHDR.size + len(payload), RTM_GETLINK,
                             NLM_F_REQUEST | NLM_F_DUMP, 1, 0) + payload)
        names = []
        while True:
            data = s.recv(65536)
            off = 0
            while off + NLMSGHDR.size <= len(data):
                mlen, mtype, _, _, _ = NLMSGHDR.unpack_from(data, off)
                if mlen < NLMSGHDR.size:
                    raise OSError("malformed netlink message")
                if mtype == NLMSG_DONE:
                    return names
                if mtype == NLMSG_ERROR:
                    err = -struct.unpack_from("=i", data, off + NLMSGHDR.size)[0]
                    raise OSError(err, os.strerror(err))
                if mtype == RTM_NEWLINK:  # walk the rtattrs after the ifinfomsg
                    a = off + NLMSGHDR.size + IFINFOMSG.size
                    while a + RTATTR.size <= off + mlen:
                        alen, atype = RTATTR.unpack_from(data, a)
                        if alen < RTATTR.size:
                            break
                        if atype == IFLA_IFNAME:
                            names.append(data[a + RTATTR.size:a + alen].split(b"\0")[0].decode())
                        a += (alen + 3) & ~3
                off += (mlen + 3) & ~3


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        try:
            names = list_links()
            if "lo" in names:
                code, body = 200, "ok: interfaces " + " ".join(names) + "\n"
            else:
                code, body = 500, f"netlink answered, but no 'lo' in {names}\n"
        except OSError as e:
            code, body = 500, f"netlink (AF_NETLINK/NETLINK_ROUTE) failed: {e}\n"
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):
        print("request:", fmt % args, flush=True)


if __name__ == "__main__":
    server = http.server.HTTPServer(("127.0.0.1", PORT), Handler)
    print(f"listening on 127.0.0.1:{PORT}", flush=True)
    server.serve_forever()
