"""Another web site, for the tests of what other sites may do with our pages."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from service_client import free_port


@contextmanager
def foreign_site(html: str | Callable[[], str]) -> Iterator[str]:
    """Another origin (cross-site: `localhost`, not 127.0.0.1) that serves one page: `html`,
    or what `html()` gives when it is asked (a page that names a server started later)."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = (html if isinstance(html, str) else html()).encode()
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    port = free_port()
    site = ThreadingHTTPServer(("127.0.0.1", port), Page)
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{port}/"
    finally:
        site.shutdown()
        site.server_close()
