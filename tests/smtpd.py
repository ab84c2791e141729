#!/usr/bin/python3
"""A small real SMTP server for cronograma's tests (python3-aiosmtpd).

It listens on 127.0.0.1 and keeps every accepted message in a spool
directory, so a test can judge exactly what the daemon sent:

  SPOOL/<n>.eml    the message bytes as received (dot-stuffing undone)
  SPOOL/<n>.json   {"n", "mail_from", "rcpt_tos", "message_id", "peer"}
  SPOOL/log.jsonl  one JSON line per DATA or RCPT outcome, accepted or not:
                   {"n" (accepted only), "code", "stage", "mail_from",
                    "rcpt_tos", "message_id", "peer"}

n counts accepted messages from 1. Each file is written to a temporary name
and renamed, N.json before N.eml, and before the server answers 250, so a
client that has seen 250 (or N.eml) finds the files complete. "peer" is "host:port" of the client's
connection: messages sent over one reused connection share it.

Fault injection:
  --fail-first K --fail-code 451   answer the first K messages with 451
                                   (at DATA, or at RCPT with --fail-at rcpt)
  --reject 550                     answer every message with 550
                                   (at DATA, or at RCPT with --reject-at rcpt)
  --delay-rcpt S                   wait S seconds before answering each RCPT
  --delay-data S                   wait S seconds before answering the end
                                   of DATA (the final "."), as relays that
                                   scan content do; libcurl 7.88 waits for
                                   this answer blocking (curl issue 8555)
  --delay-data-after K             only from the (K+1)th message on: the
                                   first K are answered at once
  --hang-data                      never answer the end of DATA: the
                                   message stays unanswered until the
                                   client gives up or closes the connection

A message whose end of DATA is held by --delay-data or --hang-data is
logged at once in SPOOL/log.jsonl with "stage": "data-held" (and
"code": null), so a test can see it in flight.

Start-up: with --port 0 a free port is chosen. In every case the first line
on stdout is "PORT n" once the socket listens, so a test can read it and
connect at once. --pidfile F writes the server's PID to F. The server stops
cleanly on SIGTERM or SIGINT (exit status 0).

No STARTTLS is offered unless --tls-cert and --tls-key are given
(--tls-none, the default, says so explicitly).

Example:
  /usr/bin/python3 tests/smtpd.py --port 0 --spool /tmp/spool --fail-first 1
  PORT 40123
"""

import argparse
import asyncio
import email.parser
import email.policy
import json
import os
import signal
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP


def write_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, path)


def message_id_of(content):
    try:
        parser = email.parser.BytesHeaderParser(policy=email.policy.compat32)
        value = parser.parsebytes(content).get("Message-ID")
    except Exception:  # a broken message is still kept, without an id
        return None
    return str(value).strip() if value is not None else None


def peer_text(session):
    peer = session.peer
    if isinstance(peer, tuple) and len(peer) >= 2:
        return "%s:%s" % (peer[0], peer[1])
    return str(peer)


class Handler:
    def __init__(self, args):
        self.args = args
        self.spool = args.spool
        self.accepted = 0
        self.data_seen = 0
        self.failures_left = args.fail_first

    def log(self, record):
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with open(os.path.join(self.spool, "log.jsonl"), "a",
                  encoding="utf-8") as f:
            f.write(line)

    def fault(self, stage):
        """The reply that replaces 250 for this message at this stage, or None."""
        a = self.args
        if a.reject and a.reject_at == stage:
            return "%d 5.7.1 Rejected by test server" % a.reject
        if self.failures_left > 0 and a.fail_at == stage:
            self.failures_left -= 1
            return "%d 4.3.0 Temporary failure injected by test server" % (
                a.fail_code)
        return None

    async def handle_RCPT(self, server, session, envelope, address,
                          rcpt_options):
        if self.args.delay_rcpt > 0:
            await asyncio.sleep(self.args.delay_rcpt)
        # A fault counts once per message: its first RCPT decides, and the
        # message's later recipients get the same answer.
        reply = getattr(envelope, "cronograma_rejected", None)
        if reply is None and not envelope.rcpt_tos:
            reply = self.fault("rcpt")
        if reply is not None:
            envelope.cronograma_rejected = reply
            self.log({"code": int(reply[:3]), "stage": "rcpt",
                      "mail_from": envelope.mail_from,
                      "rcpt_tos": envelope.rcpt_tos + [address],
                      "message_id": None, "peer": peer_text(session)})
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or b""
        mid = message_id_of(content)
        record = {"mail_from": envelope.mail_from,
                  "rcpt_tos": list(envelope.rcpt_tos),
                  "message_id": mid, "peer": peer_text(session)}
        self.data_seen += 1
        delay = (self.args.delay_data
                 if self.data_seen > self.args.delay_data_after else 0)
        if self.args.hang_data or delay > 0:
            self.log(dict(record, code=None, stage="data-held"))
        if self.args.hang_data:
            # Until the client closes the connection, which cancels us.
            await asyncio.Event().wait()
        if delay > 0:
            await asyncio.sleep(delay)
        reply = self.fault("data")
        if reply is not None:
            self.log(dict(record, code=int(reply[:3]), stage="data"))
            return reply
        self.accepted += 1
        n = self.accepted
        base = os.path.join(self.spool, str(n))
        # The metadata first: whoever sees N.eml finds N.json too.
        write_atomic(base + ".json", json.dumps(
            dict(record, n=n), ensure_ascii=False).encode("utf-8"))
        write_atomic(base + ".eml", content)
        self.log(dict(record, n=n, code=250, stage="data"))
        return "250 2.0.0 OK queued as %d" % n


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="SMTP test server with a spool and fault injection.",
        epilog=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, required=True,
                   help="port to bind; 0 picks a free one")
    p.add_argument("--spool", required=True,
                   help="directory for accepted messages (created)")
    p.add_argument("--fail-first", type=int, default=0, metavar="K",
                   help="answer the first K messages with --fail-code")
    p.add_argument("--fail-code", type=int, default=451, metavar="CODE",
                   help="code for --fail-first (default 451)")
    p.add_argument("--fail-at", choices=("data", "rcpt"), default="data",
                   help="stage where --fail-first answers (default data)")
    p.add_argument("--reject", type=int, nargs="?", const=550, default=0,
                   metavar="CODE",
                   help="answer every message with CODE (default 550)")
    p.add_argument("--reject-at", choices=("data", "rcpt"), default="data",
                   help="stage where --reject answers (default data)")
    p.add_argument("--delay-rcpt", type=float, default=0.0, metavar="S",
                   help="seconds to wait before answering each RCPT")
    p.add_argument("--delay-data", type=float, default=0.0, metavar="S",
                   help="seconds to wait before answering the end of DATA")
    p.add_argument("--delay-data-after", type=int, default=0, metavar="K",
                   help="answer the first K messages' DATA without the delay")
    p.add_argument("--hang-data", action="store_true",
                   help="never answer the end of DATA")
    p.add_argument("--pidfile", help="write the server's PID here")
    p.add_argument("--tls-none", action="store_true",
                   help="offer no STARTTLS (the default)")
    p.add_argument("--tls-cert", help="certificate: offer STARTTLS")
    p.add_argument("--tls-key", help="private key for --tls-cert")
    p.add_argument("--auth", metavar="USER:PASSWORD",
                   help="require AUTH (PLAIN or LOGIN) with these credentials;"
                        " allowed without TLS, for tests on loopback")
    a = p.parse_args(argv)
    if a.auth and ":" not in a.auth:
        p.error("--auth takes USER:PASSWORD")
    if bool(a.tls_cert) != bool(a.tls_key):
        p.error("--tls-cert and --tls-key go together")
    if a.tls_none and a.tls_cert:
        p.error("--tls-none and --tls-cert exclude each other")
    for code, name in ((a.fail_code, "--fail-code"), (a.reject, "--reject")):
        if code and not 400 <= code <= 599:
            p.error("%s must be a 4xx or 5xx code" % name)
    return a


async def serve(args):
    loop = asyncio.get_running_loop()
    handler = Handler(args)
    tls = None
    if args.tls_cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.tls_cert, args.tls_key)

    auth = {}
    if args.auth:
        user, password = args.auth.split(":", 1)

        def check(mechanism, login, secret):
            return login == user.encode() and secret == password.encode()
        auth = dict(auth_required=True, auth_require_tls=False,
                    auth_callback=check)
        # On loopback, for tests: AUTH without TLS is intended here.
        warnings.filterwarnings("ignore", message="Requiring AUTH while not")

    def factory():
        # A fixed hostname avoids a DNS lookup (getfqdn) per connection.
        return SMTP(handler, hostname="smtpd.test", ident="cronograma-test",
                    enable_SMTPUTF8=True, tls_context=tls, loop=loop, **auth)

    server = await loop.create_server(factory, host=args.host, port=args.port)
    port = server.sockets[0].getsockname()[1]
    if args.pidfile:
        write_atomic(args.pidfile, ("%d\n" % os.getpid()).encode())
    sys.stdout.write("PORT %d\n" % port)
    sys.stdout.flush()

    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()
    await server.wait_closed()
    if args.pidfile:
        try:
            os.unlink(args.pidfile)
        except FileNotFoundError:
            pass


def main(argv):
    args = parse_args(argv)
    os.makedirs(args.spool, exist_ok=True)
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
