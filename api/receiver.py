"""A minimal webhook receiver on loopback: what a client system does with our pushes (verify the
signature over the raw body, answer 2xx). Used by the demo command and by the tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from api import webhooks


class Receiver:
    """A real HTTP server in a thread on 127.0.0.1: records each POST and answers ``status``."""

    def __init__(
        self, *, port: int = 0, status: int = 200, secret: str = "", on_post: Callable | None = None
    ):
        self.status = status
        self.secret = secret
        self.received: list[tuple[dict, bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = dict(self.headers)
                outer.received.append((headers, body))
                if on_post is not None:
                    on_post(headers, body, outer.verified(headers, body))
                self.send_response(outer.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/webhook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def verified(self, headers: dict, body: bytes) -> bool:
        return bool(self.secret) and webhooks.verify(
            body, self.secret, headers.get(webhooks.SIGNATURE_HEADER, "")
        )

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
