"""The lab's Python application: counts visits in redis (plain RESP over a socket, no packages)."""
import os
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REDIS = (os.environ.get("REDIS_HOST", "127.0.0.1"), int(os.environ.get("REDIS_PORT", "6379")))


def incr(key: str) -> str:
    with socket.create_connection(REDIS, timeout=2) as s:
        s.sendall(f"*2\r\n$4\r\nINCR\r\n${len(key)}\r\n{key}\r\n".encode())
        reply = s.recv(64).decode()
    if not reply.startswith(":"):
        raise RuntimeError(reply.strip())
    return reply[1:].strip()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/healthz":
            self.reply(200, "ok\n")
            return
        try:
            self.reply(200, f"visits: {incr('visits')}\n")
        except (OSError, RuntimeError) as e:
            self.reply(502, f"redis: {e}\n")

    def reply(self, status: int, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("content-type", "text/plain")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8000"))), Handler).serve_forever()
