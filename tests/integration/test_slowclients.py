"""Slow clients cannot hold the public site: a slowloris from 8 loopback
addresses with 32 connections each (127.0.0.2-9, one header line a
second, reconnecting when cut) while fresh clients from another address
fetch a feed; trusted proxies (127.0.0.1) and X-Forwarded-For."""
import selectors
import socket
import threading
import time

from harness import DaemonTest, wait_for

NOW = "2018-03-01T12:00:00Z"
ATTACKERS = ["127.0.0.%d" % i for i in range(2, 10)]
PER_ADDRESS = 32


class Slowloris:
    """ATTACKERS x PER_ADDRESS connections, each sending a request one
    header line a second and never ending it; a connection the server
    cuts is opened again (no faster than every 50 ms). Counts how many
    are open and how long the cut ones lasted."""

    def __init__(self, port):
        self.port = port
        self.sel = selectors.DefaultSelector()
        self.stop = threading.Event()
        self.open = 0
        self.peak = 0
        self.cut = 0
        self.lifetimes = []
        self.thread = threading.Thread(target=self.run, daemon=True)

    def connect(self, src):
        s = socket.socket()
        s.setblocking(False)
        s.bind((src, 0))
        try:
            s.connect(("127.0.0.1", self.port))
        except BlockingIOError:
            pass
        state = {"src": src, "born": time.monotonic(), "sent": 0,
                 "next": time.monotonic()}
        self.sel.register(s, selectors.EVENT_READ, state)
        self.open += 1
        self.peak = max(self.peak, self.open)

    def close(self, s, state, cut):
        self.sel.unregister(s)
        s.close()
        self.open -= 1
        if cut:
            self.cut += 1
            self.lifetimes.append(time.monotonic() - state["born"])
        self.reopen.append((time.monotonic() + 0.05, state["src"]))

    def run(self):
        self.reopen = []
        for src in ATTACKERS:
            for _ in range(PER_ADDRESS):
                self.connect(src)
        while not self.stop.is_set():
            now = time.monotonic()
            for key, _ in self.sel.select(timeout=0.05):
                s, state = key.fileobj, key.data
                try:
                    data = s.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    self.close(s, state, cut=True)
            for key in list(self.sel.get_map().values()):
                s, state = key.fileobj, key.data
                if now < state["next"]:
                    continue
                line = (b"GET /calendarios/todos.ics HTTP/1.1\r\n"
                        if state["sent"] == 0 else b"X-Slow: %d\r\n" % state["sent"])
                try:
                    s.send(line)
                    state["sent"] += 1
                except BlockingIOError:
                    pass
                except OSError:
                    self.close(s, state, cut=True)
                    continue
                state["next"] = now + 1.0
            due = [r for r in self.reopen if r[0] <= now]
            self.reopen = [r for r in self.reopen if r[0] > now]
            for _, src in due:
                self.connect(src)
        for key in list(self.sel.get_map().values()):
            key.fileobj.close()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(10)


def fetch(port, path, src=None, headers=None):
    """GET path from src; (status, headers text, body, seconds)."""
    t0 = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port), timeout=10,
                                 source_address=(src, 0) if src else None)
    req = "GET %s HTTP/1.1\r\nHost: x\r\n" % path
    for h in headers or ():
        req += h + "\r\n"
    s.sendall((req + "\r\n").encode())
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep:
            length = [int(l.split(b":")[1]) for l in head.split(b"\r\n")
                      if l.lower().startswith(b"content-length:")]
            if length and len(body) >= length[0]:
                break
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1]) if head else 0
    return status, head.decode("latin-1"), body, time.monotonic() - t0


class SlowClientsTest(DaemonTest):
    daemon_kwargs = {"http": True}

    def setUp(self):
        super().setUp()
        self.d.set_clock(NOW)
        self.d.import_2018()
        self.port = self.d.http_port

    def test_fresh_clients_get_a_feed_during_a_slowloris(self):
        with Slowloris(self.port) as attack:
            wait_for(lambda: attack.peak >= len(ATTACKERS) * 16, timeout=20,
                     what="the slowloris to hold its connections")
            times = []
            # Over 12 s: long enough for the attack's connections to be
            # cut at the request deadline (5 s) and opened again.
            for i in range(6):
                status, _, body, secs = fetch(self.port, "/calendarios/todos.ics",
                                              src="127.0.0.%d" % (20 + i))
                self.assertEqual(status, 200)
                self.assertIn(b"BEGIN:VCALENDAR", body)
                times.append(secs)
                time.sleep(2)
            # A trusted proxy on 127.0.0.1 is served too.
            status, _, _, secs = fetch(self.port, "/calendarios/todos.ics")
            self.assertEqual(status, 200)
            times.append(secs)
        self.assertLess(max(times), 2.0, times)
        # Each address held at most its 16 connections, and the ones cut
        # lasted about the request deadline, not the 30 s idle timeout.
        self.assertLessEqual(attack.peak, len(ATTACKERS) * PER_ADDRESS)
        self.assertGreater(attack.cut, 0)
        held = [t for t in attack.lifetimes if t > 1.0]
        self.assertTrue(held, "no attacking connection was held at all")
        self.assertLess(max(held), 9.0)
        log = self.d.log_text()
        self.assertIn("did not arrive within 5s", log)

    def test_trusted_proxy_names_the_client(self):
        # From the proxy: kept alive, X-Forwarded-For is believed (the
        # debug log names the client).
        status, head, _, _ = fetch(self.port, "/salud",
                                   headers=["X-Forwarded-For: 203.0.113.5"])
        self.assertEqual(status, 200)
        self.assertNotIn("Connection: close", head)
        wait_for(lambda: "GET /salud -> 200 (203.0.113.5)" in self.d.log_text(),
                 what="the request logged with the forwarded client")
        # From anyone else: closed after the answer, and the header is
        # not believed.
        status, head, _, _ = fetch(self.port, "/salud", src="127.0.0.3",
                                   headers=["X-Forwarded-For: 203.0.113.6"])
        self.assertEqual(status, 200)
        self.assertIn("Connection: close", head)
        wait_for(lambda: "GET /salud -> 200 (127.0.0.3)" in self.d.log_text(),
                 what="the request logged with its own address")
        self.assertNotIn("203.0.113.6", self.d.log_text())

    def test_absurd_query_is_answered(self):
        q = "&".join("a%d=1" % i for i in range(1000))
        status, _, body, secs = fetch(self.port, "/calendarios/todos.ics?" + q,
                                      src="127.0.0.4")
        self.assertEqual(status, 414)
        self.assertIn(b"1000 parameters", body)
