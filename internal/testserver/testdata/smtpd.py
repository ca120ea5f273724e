"""Loopback SMTP sink for rmctl's Go tests (internal/testserver).

Stores every accepted message in DIR as NNNNNN.eml (the raw RFC 5322 bytes as
received, CRLF line ends, dot-stuffing undone) with NNNNNN.json beside it
(envelope sender, recipients, authenticated user). The .json is written
first and each file is renamed into place, so a reader that sees an .eml
also sees its complete .json.

AUTH PLAIN and LOGIN are offered on the plain connection (auth_require_tls
is off: this only ever listens on loopback) and accept exactly USER/PASSWORD
given on the command line; authentication is optional unless --require-auth.

Exit status 3 means aiosmtpd is missing (Debian package python3-aiosmtpd).
"""
import argparse
import json
import os
import signal
import sys
import threading

try:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword
except ImportError as exc:  # pragma: no cover - reported to the Go side
    print("aiosmtpd missing: %s" % exc, file=sys.stderr)
    sys.exit(3)


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    def _write(self, name, data):
        tmp = os.path.join(self.directory, "." + name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        os.rename(tmp, os.path.join(self.directory, name))

    async def handle_DATA(self, server, session, envelope):
        # Handlers run on the controller's single event loop thread, so the
        # counter needs no lock.
        self.count += 1
        base = "%06d" % self.count
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "auth_user": session.auth_data if session.authenticated else "",
        }
        self._write(base + ".json", json.dumps(meta).encode())
        self._write(base + ".eml", envelope.original_content)
        return "250 OK stored as " + base


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password-env", required=True,
                    help="environment variable holding the password (kept off the command line)")
    ap.add_argument("--require-auth", action="store_true")
    args = ap.parse_args()
    password = os.environ[args.password_env]

    def authenticator(server, session, envelope, mechanism, auth_data):
        if (isinstance(auth_data, LoginPassword)
                and auth_data.login == args.user.encode()
                and auth_data.password == password.encode()):
            return AuthResult(success=True, auth_data=args.user)
        return AuthResult(success=False, handled=False)

    controller = Controller(
        Sink(args.dir),
        hostname=args.host,
        port=args.port,
        auth_require_tls=False,
        auth_required=args.require_auth,
        authenticator=authenticator,
    )
    controller.start()
    print("READY", flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass
    controller.stop()


if __name__ == "__main__":
    main()
