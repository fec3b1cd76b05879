"""Local servers that take the alerts of a test run: an SMTP server (aiosmtpd) and an HTTP
server (the standard library's), each on a free port of 127.0.0.1, recording what arrives."""

from __future__ import annotations

import json
import socket
import threading
from contextlib import contextmanager
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def free_port() -> int:
    """A port nothing listens on (bound, then released): also the address of a channel that
    cannot be reached."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Mailbox:
    def __init__(self):
        self.messages = []  # email.message.EmailMessage, one per message taken
        self.logins = []  # (user, password) of each successful login

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 OK"


@contextmanager
def smtp_server(user: str, password: str):
    """An SMTP server that accepts a login as user/password only (in clear: it is local) and
    records each message and login."""
    mailbox = _Mailbox()

    def authenticate(server, session, envelope, mechanism, auth_data):
        if (auth_data.login, auth_data.password) == (user.encode(), password.encode()):
            mailbox.logins.append((user, password))
            return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)

    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield controller.port, mailbox
    finally:
        controller.stop()


@contextmanager
def webhook_server():
    """An HTTP server that records every POST (path and JSON body) and answers 204."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(
                {"path": self.path, "type": self.headers["Content-Type"], "json": json.loads(body)}
            )
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):  # keep the test's output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], received
    finally:
        server.shutdown()
        server.server_close()
