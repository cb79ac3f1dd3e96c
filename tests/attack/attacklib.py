"""Attackers and measurements for the attack suite (Python 3 stdlib only).

An exportd started on a demo store, signed export requests made the way the
public docs sign them, and crowds of hostile connections (idle, slowloris,
/healthz pollers) driven from one selector thread that reconnects whatever
the server closes, so the pressure stays constant for the whole phase.
"""

import base64
import email.utils
import hashlib
import hmac
import os
import re
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

EXPORT_PATH = "/v1/recommender/pin/demo/scopes/export"
JSON_TYPE = "application/json; charset=utf-8"


def fail(message):
    print("FAIL: " + message, flush=True)
    sys.exit(1)


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def threads_of(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return -1


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Exportd:
    """exportd on a fresh demo store, on an ephemeral loopback port, with a
    --health-listen port for the measurements."""

    def __init__(self, exportd, exportctl, extra=(), customizations=200):
        self.dir = tempfile.mkdtemp(prefix="libexport-attack-")
        store = os.path.join(self.dir, "store")
        out = subprocess.run(
            [exportctl, "--store", store, "demo", "--customizations",
             str(customizations), "--catalog", "500"],
            check=True, capture_output=True, text=True).stdout
        self.key = re.search(r"^key: (\S+)$", out, re.M).group(1)
        self.log = open(os.path.join(self.dir, "exportd.log"), "w")
        self.proc = subprocess.Popen(
            [exportd, "--store", store, "--listen", "127.0.0.1:0",
             "--health-listen", "127.0.0.1:0", "--no-access-log"] +
            list(extra),
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        banner = self.proc.stdout.readline()
        m = re.search(r"127\.0\.0\.1:(\d+).*/healthz on http://127\.0\.0\.1:(\d+)",
                      banner)
        if not m:
            self.stop()
            fail("exportd did not start: " + banner)
        self.port = int(m.group(1))
        self.health_port = int(m.group(2))
        self.pid = self.proc.pid

    def metric(self, name):
        body = get(self.health_port, "/metrics")[1]
        m = re.search(r"^%s (\d+)$" % re.escape(name), body, re.M)
        return int(m.group(1)) if m else -1

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def http_date():
    return email.utils.formatdate(usegmt=True)


def signed_export(key, target=EXPORT_PATH, extra="", version="HTTP/1.1"):
    """A signed export request, as bytes (string to sign: method, type,
    date, path without the query)."""
    date = http_date()
    path = target.split("?", 1)[0]
    if "://" in path:
        path = "/" + path.split("://", 1)[1].split("/", 1)[1]
    to_sign = "POST\n%s\n%s\n%s" % (JSON_TYPE, date, path)
    sig = base64.b64encode(
        hmac.new(key.encode(), to_sign.encode(), hashlib.sha256).digest())
    return ("POST %s %s\r\nHost: x\r\nContent-Type: %s\r\nDate: %s\r\n"
            "Authorization: ApiAuth demo:%s\r\n%s\r\n" %
            (target, version, JSON_TYPE, date, sig.decode(), extra)).encode()


def exchange(port, data, timeout=5.0, source=None):
    """Sends `data` on a fresh connection and reads until the server closes
    (or `timeout`): (bytes received, closed by the server)."""
    s = socket.socket()
    if source:
        s.bind((source, 0))
    s.settimeout(timeout)
    got = b""
    closed = False
    try:
        s.connect(("127.0.0.1", port))
        try:
            s.sendall(data)
        except OSError:
            pass  # closed while sending: the answer may still be readable
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            chunk = s.recv(65536)
            if not chunk:
                closed = True
                break
            got += chunk
    except (socket.timeout, ConnectionError, OSError):
        pass
    finally:
        s.close()
    return got, closed


def status_of(response):
    m = re.match(rb"HTTP/1\.[01] (\d{3})", response)
    return int(m.group(1)) if m else 0


def get(port, path):
    got, _ = exchange(port, ("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close"
                             "\r\n\r\n" % path).encode())
    head, _, body = got.partition(b"\r\n\r\n")
    return status_of(got), body.decode("utf-8", "replace")


def legit_once(port, key, source=None):
    """One fresh signed export: (status, seconds, body complete)."""
    start = time.monotonic()
    got, closed = exchange(port, signed_export(key, extra="Connection: close\r\n"),
                           timeout=10.0, source=source)
    took = time.monotonic() - start
    status = status_of(got)
    # The document ends "]}\n" (then, when chunked, "\r\n0\r\n\r\n").
    complete = status != 200 or b"]}\n" in got[-16:]
    return status, took, complete


class Crowd:
    """`idle` connections that send nothing, `slow` slowloris connections
    (a header byte every `slow_interval` s) and `pollers` keep-alive
    connections sending GET /healthz every `poll_interval` s, all kept up:
    a connection the server closes is opened again."""

    def __init__(self, port, idle=0, slow=0, pollers=0, slow_interval=1.0,
                 poll_interval=4.0):
        self.port = port
        self.kinds = ["idle"] * idle + ["slow"] * slow + ["poll"] * pollers
        self.slow_interval = slow_interval
        self.poll_interval = poll_interval
        self.sel = selectors.DefaultSelector()
        self.stop_flag = False
        self.lock = threading.Lock()
        self.open = 0
        self.max_open = 0
        self.reconnects = 0
        self.refused_503 = 0
        self.poll_answers = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.max_open < len(self.kinds) * 0.9:
            time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self.stop_flag = True
        self.thread.join()

    def held(self):
        with self.lock:
            return self.open

    def _connect(self, kind):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect_ex(("127.0.0.1", self.port))
        except OSError:
            s.close()
            return
        state = {"kind": kind, "next": time.monotonic(), "sent": 0,
                 "connected": False}
        self.sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, state)

    def _close(self, s, state):
        self.sel.unregister(s)
        s.close()
        with self.lock:
            if state["connected"]:
                self.open -= 1
            self.reconnects += 1

    def _run(self):
        for kind in self.kinds:
            self._connect(kind)
        while not self.stop_flag:
            now = time.monotonic()
            for key, events in self.sel.select(timeout=0.05):
                s, state = key.fileobj, key.data
                if events & selectors.EVENT_WRITE and not state["connected"]:
                    if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                        self._close(s, state)
                        self._connect(state["kind"])
                        continue
                    state["connected"] = True
                    with self.lock:
                        self.open += 1
                        self.max_open = max(self.max_open, self.open)
                    self.sel.modify(s, selectors.EVENT_READ, state)
                if events & selectors.EVENT_READ:
                    try:
                        data = s.recv(65536)
                    except OSError:
                        data = b""
                    if data.startswith(b"HTTP/1.1 503"):
                        self.refused_503 += 1
                    if state["kind"] == "poll" and b"HTTP/1.1 200" in data:
                        self.poll_answers += 1
                    if not data:
                        self._close(s, state)
                        self._connect(state["kind"])
            # Timed sends.
            for key in list(self.sel.get_map().values()):
                s, state = key.fileobj, key.data
                if not state["connected"] or now < state["next"]:
                    continue
                try:
                    if state["kind"] == "slow":
                        if state["sent"] == 0:
                            s.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                        else:
                            s.send(b"a")
                        state["sent"] += 1
                        state["next"] = now + self.slow_interval
                    elif state["kind"] == "poll":
                        s.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                        state["next"] = now + self.poll_interval
                    else:
                        state["next"] = now + 3600
                except OSError:
                    pass
        for key in list(self.sel.get_map().values()):
            key.fileobj.close()
        self.sel.close()


def legit_series(port, key, seconds, interval=0.25, source=None):
    """Fresh signed exports every `interval` s for `seconds`: a list of
    (status, seconds, complete)."""
    results = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        results.append(legit_once(port, key, source))
        time.sleep(interval)
    return results


def summarize(results):
    lat = sorted(r[1] for r in results)
    statuses = {}
    for r in results:
        statuses[r[0]] = statuses.get(r[0], 0) + 1
    return {
        "n": len(results),
        "p50_ms": 1000 * lat[len(lat) // 2] if lat else 0,
        "max_ms": 1000 * lat[-1] if lat else 0,
        "statuses": statuses,
        "incomplete": sum(1 for r in results if not r[2]),
    }


def check_legit(name, results, allow_503=True, bound=1.0):
    s = summarize(results)
    ok_status = {200, 503} if allow_503 else {200}
    bad = [r for r in results if r[0] not in ok_status or r[1] >= bound or not r[2]]
    if bad or not results:
        fail("%s: legitimate requests %s (bound %.1f s): %r" % (name, s, bound, bad[:5]))
    return s
