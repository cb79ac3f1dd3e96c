#!/usr/bin/env python3
"""The attack suite against exportd alone (no front), on loopback.

  tests/attack/exportd_attack_test.py EXPORTD EXPORTCTL

Each phase holds its attack for a few seconds while a legitimate client
sends a fresh signed export every 250 ms, and prints: connections held,
the legitimate requests' latency (p50, max) and statuses, exportd's RSS
and threads. Expected outcomes (the test fails otherwise):

  attack                               expected
  640 idle connections                 every signed export 200 within 1 s
  64 /healthz pollers (every 4 s)      every signed export 200 within 1 s
  100 slowloris clients (1 byte/s)     every signed export 200 within 1 s
  all three at once (804 connections)  200, or 503 at once, within 1 s
  1,100 idle (past the 1,024 cap)      200 or 503 + Retry-After within 1 s;
                                       refusals counted in /metrics
  256 MiB header line (x4)             431, RSS flat (< 8 MiB growth)
  request hidden in a body             never answered
  duplicate Content-Length             400 and close
  bad chunk size                       400 and close
  pipelined requests                   answered in order

Bounded: about 40 s on two cores.
"""

import sys
import time

import attacklib as A


def phase(d, name, crowd_args, seconds=4.0, allow_503=False):
    rss0 = A.rss_kb(d.pid)
    with A.Crowd(d.port, **crowd_args) as crowd:
        time.sleep(0.5)
        held = crowd.held()
        results = A.legit_series(d.port, d.key, seconds)
        held = max(held, crowd.held())
        rss1 = A.rss_kb(d.pid)
        threads = A.threads_of(d.pid)
        open_metric = d.metric("libexport_http_connections_open")
    s = A.check_legit(name, results, allow_503=allow_503)
    per_conn = (rss1 - rss0) / held if held else 0
    print("%-34s held %5d (exportd open %4d, threads %4d)  legit n=%2d p50 %6.1f ms "
          "max %6.1f ms %s  RSS %6d -> %6d kB (%.1f kB/conn)  reconnects %d" %
          (name, held, open_metric, threads, s["n"], s["p50_ms"], s["max_ms"],
           s["statuses"], rss0, rss1, per_conn, crowd.reconnects), flush=True)
    return s


def main():
    exportd, exportctl = sys.argv[1], sys.argv[2]
    d = A.Exportd(exportd, exportctl)
    try:
        # Warm up (thread stacks, caches), then the baseline.
        A.legit_series(d.port, d.key, 1.0, interval=0.05)
        base = A.check_legit("baseline", A.legit_series(d.port, d.key, 2.0))
        print("%-34s legit n=%2d p50 %6.1f ms max %6.1f ms  RSS %d kB" %
              ("baseline (no attack)", base["n"], base["p50_ms"], base["max_ms"],
               A.rss_kb(d.pid)), flush=True)

        phase(d, "640 idle connections", {"idle": 640})
        phase(d, "64 /healthz pollers every 4 s", {"pollers": 64})
        phase(d, "100 slowloris (1 byte/s)", {"slow": 100})
        phase(d, "640 idle + 64 pollers + 100 slow", {"idle": 640, "pollers": 64,
                                                     "slow": 100}, allow_503=True)
        refused0 = d.metric("libexport_http_connections_refused_total")
        phase(d, "1,100 idle (cap 1,024)", {"idle": 1100}, seconds=3.0,
              allow_503=True)
        refused = d.metric("libexport_http_connections_refused_total") - refused0
        if refused <= 0:
            A.fail("past the cap: no refusal counted")
        print("%-34s refusals counted in /metrics: %d" % ("", refused), flush=True)

        # 256 MiB header lines: 431 after 32 KiB, memory flat.
        time.sleep(1.0)
        rss0 = A.rss_kb(d.pid)
        statuses = []
        line = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (256 << 20)
        for _ in range(4):
            got, closed = A.exchange(d.port, line, timeout=10)
            statuses.append(A.status_of(got))
        rss1 = A.rss_kb(d.pid)
        if statuses != [431] * 4 or rss1 - rss0 > 8 * 1024:
            A.fail("256 MiB header line: %r, RSS %d -> %d kB" % (statuses, rss0, rss1))
        print("%-34s statuses %r  RSS %d -> %d kB" %
              ("256 MiB header line x4", statuses, rss0, rss1), flush=True)

        # Framing.
        hidden = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
        got, _ = A.exchange(d.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                            b"Content-Length: %d\r\n\r\n" % len(hidden) + hidden,
                            timeout=1.5)
        if got.count(b"HTTP/1.1 ") != 1 or b"libexport_http" in got:
            A.fail("a request hidden in a body was answered: %r" % got[:400])
        got, closed = A.exchange(d.port, A.signed_export(
            d.key, extra="Content-Length: 0\r\nContent-Length: 5\r\n"))
        if A.status_of(got) != 400 or not closed:
            A.fail("duplicate Content-Length: %r" % got[:200])
        got, closed = A.exchange(d.port, A.signed_export(
            d.key, extra="Transfer-Encoding: chunked\r\n") + b"0x3\r\nabc\r\n0\r\n\r\n" + hidden)
        if A.status_of(got) != 400 or not closed or got.count(b"HTTP/1.1 ") != 1:
            A.fail("bad chunk size: %r" % got[:200])
        got, closed = A.exchange(d.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" +
                                 A.signed_export(d.key, extra="Content-Length: 0\r\n") +
                                 b"GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        order = [int(x) for x in __import__("re").findall(rb"HTTP/1\.1 (\d{3}) ", got)]
        if order != [200, 200, 404] or not closed:
            A.fail("pipelined requests: %r" % order)
        print("%-34s hidden request not answered; duplicate Content-Length 400; "
              "bad chunk 400; pipelined %r" % ("framing", order), flush=True)
        print("OK", flush=True)
    finally:
        d.stop()


if __name__ == "__main__":
    main()
