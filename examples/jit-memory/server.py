#!/usr/bin/python3
"""hb-example-jit-memory: a service that needs writable+executable memory, like every JIT
(JavaScript engines, LuaJIT, PCRE2 JIT, Java, .NET, ...).

On every request it maps one anonymous page PROT_READ|PROT_WRITE|PROT_EXEC, writes a tiny
machine-code function into it ("return 42") and calls it through ctypes (x86_64 and
aarch64; other architectures only get the mapping and the write). It answers 200 only if
that worked, 500 with the error otherwise.

MemoryDenyWriteExecute=yes installs a seccomp filter that makes such an mmap() fail with
EPERM, so it must be rejected for this service. Everything else can stay.
"""
import http.server
import mmap
import platform
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 18104

# "return 42" for the C ABI of the machine.
CODE = {
    "x86_64": bytes([0xB8, 0x2A, 0x00, 0x00, 0x00, 0xC3]),  # mov eax, 42 ; ret
    "aarch64": bytes([0x40, 0x05, 0x80, 0x52, 0xC0, 0x03, 0x5F, 0xD6]),  # mov w0,#42 ; ret
}.get(platform.machine())


def jit_once():
    """Returns a description of what worked; raises OSError if the W+X mapping is refused."""
    page = mmap.mmap(-1, mmap.PAGESIZE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS,
                     prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    try:
        if CODE is None:
            page.write(b"\xc3")
            return f"mapped a W+X page (no code to run on {platform.machine()})"
        page.write(CODE)
        import ctypes  # imported late: only the JIT itself needs it
        buf = ctypes.c_char.from_buffer(page)
        func = ctypes.CFUNCTYPE(ctypes.c_int)(ctypes.addressof(buf))
        result = func()
        del func, buf  # release the buffer export so the page can be unmapped
        if result != 42:
            raise OSError(f"JIT code returned {result}, not 42")
        return "mapped a W+X page, wrote code, called it: 42"
    finally:
        page.close()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        try:
            code, body = 200, "ok: " + jit_once() + "\n"
        except Exception as e:  # noqa: BLE001 - report any failure as 500
            code, body = 500, f"cannot map writable+executable memory: {e}\n"
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
