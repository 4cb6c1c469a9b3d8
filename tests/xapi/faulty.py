"""A proxy in front of the remote LRS that can misbehave on demand: answer 500, hang, lose replies."""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FORWARD, ERROR_500, HANG, LOSE_REPLY = "forward", "500", "hang", "lose-reply"


class FaultyProxy:
    """Modes: forward (pass through), 500 (answer an error), hang (never answer while set),
    lose-reply (pass the request on, then drop the connection before answering)."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.mode = FORWARD
        self.requests: list[tuple[str, str]] = []
        self.release = threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args) -> None:  # noqa: ANN002
                return None

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                proxy.requests.append((self.command, self.path))
                if proxy.mode == ERROR_500:
                    self._reply(500, b'{"error":"the remote is unwell"}', "application/json")
                    return
                if proxy.mode == HANG:
                    proxy.release.wait()
                    self.close_connection = True
                    return
                upstream = http.client.HTTPConnection("127.0.0.1", proxy.target_port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                upstream.request(self.command, self.path, body=body, headers=headers)
                answer = upstream.getresponse()
                data = answer.read()
                upstream.close()
                if proxy.mode == LOSE_REPLY:
                    self.close_connection = True
                    return
                self._reply(answer.status, data, answer.getheader("Content-Type"))

            def _reply(self, status: int, data: bytes, content_type: str | None) -> None:
                self.send_response(status)
                if content_type:
                    self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FaultyProxy:
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:  # noqa: ANN002
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
