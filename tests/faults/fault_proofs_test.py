#!/usr/bin/env python3
"""Proof under faults, against the real programs (docs/reliability.md).

  fault_proofs_test.py EXPORTD EXPORTCTL [ROUNDS] [FLIPS]   (default 20, 50)

1. kill -9 of `exportctl import --replace` at a random moment, ROUNDS times,
   alternating the old and the new document: afterwards, in new processes,
   `exportctl verify --all` passes and the tracker's export is byte for byte
   the old data or the new data, never a mix.
2. kill -9 of `exportd` in the middle of a streamed export (its client reads
   slowly, so the export is blocked in a send holding its read transaction)
   while an `exportctl import --replace` runs in another process, ROUNDS
   times: the import completes, verify passes, the export is exactly the
   imported data, and what the client received is either the complete
   document of one snapshot or visibly cut (no last chunk).
3. FLIPS trials of one flipped bit in a copy of a store, inside a stored
   record's key or value (found in data.mdb by its key): every trial is
   either harmless (verify clean, export byte-identical) or detected
   (verify exits 1 naming it, and/or exportctl export exits 1 saying records
   were left out); an export's stdout is always valid JSON holding only
   intact records, in order; an export that changed never exits 0; no
   program dies of a signal.

Bounded: every wait has a timeout, every loop a count; loopback only. Prints
the figures docs/reliability.md quotes. Python 3 standard library only.
"""

import base64
import email.utils
import hashlib
import hmac
import json
import os
import random
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

NOW = "2026-12-01T00:00:00Z"
JSON_TYPE = "application/json; charset=utf-8"


def fail(message):
    print("FAIL: " + message, flush=True)
    sys.exit(1)


class Programs:
    def __init__(self, exportd, exportctl, work):
        self.exportd = exportd
        self.exportctl = exportctl
        self.work = work

    def ctl(self, store, *args, check=True, timeout=120):
        r = subprocess.run([self.exportctl, "--store", store] + list(args),
                           capture_output=True, timeout=timeout)
        if r.returncode < 0:
            fail("exportctl %s died of signal %d: %s" %
                 (" ".join(args), -r.returncode, r.stderr.decode(errors="replace")))
        if check and r.returncode != 0:
            fail("exportctl %s exited %d: %s" %
                 (" ".join(args), r.returncode, r.stderr.decode(errors="replace")))
        return r

    def export(self, store, tracker="t"):
        return self.ctl(store, "export", tracker, "--now", NOW).stdout

    def verify_ok(self, store, what):
        r = self.ctl(store, "verify", "--all", check=False)
        if r.returncode != 0:
            fail("%s: verify --all exited %d: %s%s" %
                 (what, r.returncode, r.stdout.decode(), r.stderr.decode()))


def make_documents(p):
    """The old (300 customizations) and new (2,000) documents and the
    exports they give."""
    gen = os.path.join(p.work, "gen")
    p.ctl(gen, "demo", "--tracker", "old", "--customizations", "300",
          "--catalog", "50", "--seed", "11")
    p.ctl(gen, "demo", "--tracker", "new", "--customizations", "2000",
          "--catalog", "50", "--seed", "12")
    docs = {}
    for name in ("old", "new"):
        path = os.path.join(p.work, name + ".json")
        with open(path, "wb") as f:
            f.write(p.export(gen, name))
        docs[name] = path
    store = os.path.join(p.work, "store")
    out = p.ctl(store, "tracker", "add", "t").stdout.decode()
    key = out.strip().splitlines()[-1].strip()
    refs = {}
    p.ctl(store, "import", "t", docs["new"])
    refs["new"] = p.export(store)
    p.ctl(store, "import", "--replace", "t", docs["old"])
    refs["old"] = p.export(store)
    if refs["old"] == refs["new"] or len(refs["new"]) < 1 << 20:
        fail("reference exports are not what the test needs")
    return store, key, docs, refs


def state_of(p, store, refs, what):
    got = p.export(store)
    for name, ref in refs.items():
        if got == ref:
            return name
    fail("%s: the export is neither the old nor the new data (%d bytes)" %
         (what, len(got)))


# --------------------------------------------------------------- 1. exportctl


def kill_import_rounds(p, store, docs, refs, rounds, rng):
    state = state_of(p, store, refs, "before the kills")
    # How long each import takes whole (process start to exit), so that the
    # kills spread over all of it and a little past it (grown below when an
    # import outlasts it).
    import_s = {}
    for _ in range(2):
        other = "new" if state == "old" else "old"
        start = time.monotonic()
        p.ctl(store, "import", "--replace", "t", docs[other])
        import_s[other] = time.monotonic() - start
        state = other
    counts = {"applied": 0, "not applied": 0}
    for i in range(rounds):
        target = "new" if state == "old" else "old"
        delay = rng.uniform(0.0, 1.2 * import_s[target])
        proc = subprocess.Popen([p.exportctl, "--store", store, "import",
                                 "--replace", "t", docs[target]],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.kill()
        proc.wait(timeout=30)
        what = "exportctl round %d (kill after %.0f ms)" % (i + 1, delay * 1000)
        p.verify_ok(store, what)
        now = state_of(p, store, refs, what)
        counts["applied" if now == target else "not applied"] += 1
        # An import after a kill is slower than the first (the killed one's
        # unsynced pages are written with its commit): when a kill that
        # late still found it running, spread the next ones wider.
        if now != target and delay > 0.8 * import_s[target]:
            import_s[target] *= 1.5
        state = now
    return import_s, counts


# ----------------------------------------------------------------- 2. exportd


def start_exportd(p, store):
    log = open(os.path.join(p.work, "exportd.log"), "a")
    proc = subprocess.Popen(
        [p.exportd, "--store", store, "--listen", "127.0.0.1:0",
         "--health-listen", "127.0.0.1:0", "--no-access-log",
         "--max-clock-skew", "86400"],
        stdout=subprocess.PIPE, stderr=log, text=True)
    banner = proc.stdout.readline()
    m = re.search(r"127\.0\.0\.1:(\d+)", banner)
    if not m:
        proc.kill()
        fail("exportd did not start: %r" % banner)
    return proc, int(m.group(1))


def signed_request(tracker, key):
    path = "/v1/recommender/pin/%s/scopes/export" % tracker
    date = email.utils.formatdate(usegmt=True)
    to_sign = "POST\n%s\n%s\n%s" % (JSON_TYPE, date, path)
    sig = base64.b64encode(
        hmac.new(key.encode(), to_sign.encode(), hashlib.sha256).digest())
    return ("POST %s?as_of=%s HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
            "Date: %s\r\nAuthorization: ApiAuth %s:%s\r\nConnection: close\r\n"
            "Content-Length: 0\r\n\r\n" %
            (path, NOW, JSON_TYPE, date, tracker, sig.decode())).encode()


def dechunk(raw):
    """(body, complete): the chunked body, and whether its last chunk came."""
    head, sep, rest = raw.partition(b"\r\n\r\n")
    if not sep or not head.startswith(b"HTTP/1.1 200"):
        return b"", False
    body = b""
    while True:
        line, sep, rest = rest.partition(b"\r\n")
        if not sep:
            return body, False
        size = int(line.split(b";")[0], 16)
        if size == 0:
            return body, True
        if len(rest) < size + 2:
            return body, False
        body += rest[:size]
        rest = rest[size + 2:]


def connect_and_send(port, request):
    s = socket.socket()
    # A small receive buffer: a client that does not read soon holds the
    # export in a send, with its read transaction open.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    s.sendall(request)
    return s


def drain(s):
    """Whatever reached the socket (the server is dead by now)."""
    raw = b""
    s.settimeout(2)
    try:
        while True:
            got = s.recv(1 << 16)
            if not got:
                break
            raw += got
    except (socket.timeout, ConnectionResetError):
        pass
    s.close()
    return raw


def kill_exportd_rounds(p, store, keys, docs, refs, big_ref, rounds, rng):
    state = state_of(p, store, refs, "before the exportd kills")
    counts = {"cut": 0, "complete": 0}
    for i in range(rounds):
        what = "exportd round %d" % (i + 1)
        target = "new" if state == "old" else "old"
        proc, port = start_exportd(p, store)
        # The held stream: tracker "big" (larger than every socket buffer
        # between the two ends) to a client that does not read.
        held = connect_and_send(port, signed_request("big", keys["big"]))
        head = held.recv(4096)
        if not head.startswith(b"HTTP/1.1 200"):
            proc.kill()
            fail("%s: %r" % (what, head[:200]))
        imp = subprocess.Popen([p.exportctl, "--store", store, "import",
                                "--replace", "t", docs[target]],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # An export of the tracker being imported, at a random moment, read
        # slowly; then the kill, at another.
        time.sleep(rng.uniform(0.0, 0.15))
        other = connect_and_send(port, signed_request("t", keys["t"]))
        time.sleep(rng.uniform(0.0, 0.15))
        proc.kill()
        proc.wait(timeout=30)
        _, held_complete = dechunk(head + drain(held))
        if held_complete:
            fail("%s: the held stream was not held (it completed)" % what)
        body, complete = dechunk(drain(other))
        if complete:
            if body not in refs.values():
                fail("%s: a complete body that is no snapshot's export" % what)
            counts["complete"] += 1
        else:
            counts["cut"] += 1
        _, err = imp.communicate(timeout=60)
        if imp.returncode != 0:
            fail("%s: the import next to the killed exportd exited %d: %s" %
                 (what, imp.returncode, err.decode(errors="replace")))
        p.verify_ok(store, what)
        state = state_of(p, store, refs, what)
        if state != target:
            fail("%s: the committed import is not in the store" % what)
    if p.export(store, "big") != big_ref:
        fail("the held tracker's data changed")
    return counts


# ------------------------------------------------------------- 3. bit flips


def record_lines(export):
    """The record lines of an export document, in order."""
    text = export.decode()
    if not text.startswith('{"results":['):
        fail("not an export document: %r" % text[:80])
    inner = text[len('{"results":['):text.rindex("]")]
    return [line.rstrip(",") for line in inner.split("\n") if line.strip(",")]


PAGE = 4096
P_LEAF = 0x02


def record_nodes(data, ids):
    """For each id, where its records-table leaf node is in data.mdb: the
    offset of its 20-byte key (BE32 tracker + 16 id bytes) and the length of
    the value that follows it inline (LMDB 0.9 layout: a page header of 16
    bytes whose flags at offset 10 say leaf; a node header of 8 bytes, data
    size lo/hi, flags, key size, then the key and the data)."""
    nodes = []
    for uid in ids:
        raw = bytes.fromhex(uid.replace("-", ""))
        for m in re.finditer(re.escape(raw), data):
            at = m.start() - 4  # the tracker prefix
            page = at - at % PAGE
            if at - 8 < page + 16:
                continue
            (page_flags,) = struct.unpack_from("<H", data, page + 10)
            lo, hi, flags, ksize = struct.unpack_from("<HHHH", data, at - 8)
            size = lo | (hi << 16)
            if page_flags & P_LEAF and ksize == 20 and flags == 0 and \
                    56 < size and at + 20 + size <= page + PAGE:
                nodes.append((uid, at, size))
                break
    return nodes


def bit_flip_trials(p, pristine, trials, rng):
    ref = p.export(pristine)
    ref_lines = record_lines(ref)
    intact = set(ref_lines)
    ids = [json.loads(line)["id"] for line in ref_lines]
    with open(os.path.join(pristine, "data.mdb"), "rb") as f:
        data = f.read()
    nodes = record_nodes(data, ids)
    if len(nodes) < len(ids) // 2:
        fail("found only %d of %d record nodes in data.mdb" %
             (len(nodes), len(ids)))
    counts = {"harmless": 0, "detected by verify": 0,
              "detected by export": 0, "detected by both": 0}
    where = {"key": 0, "value": 0}
    harmless = {"key": 0, "value": 0}
    trial_dir = os.path.join(p.work, "flip")
    for t in range(trials):
        uid, at, size = nodes[rng.randrange(len(nodes))]
        part = "key" if t % 2 == 0 else "value"
        where[part] += 1
        off = at + rng.randrange(20) if part == "key" else \
            at + 20 + rng.randrange(size)
        bit = rng.randrange(8)
        shutil.rmtree(trial_dir, ignore_errors=True)
        shutil.copytree(pristine, trial_dir)
        with open(os.path.join(trial_dir, "data.mdb"), "r+b") as f:
            f.seek(off)
            b = f.read(1)[0]
            f.seek(off)
            f.write(bytes([b ^ (1 << bit)]))
        what = "flip %d (%s of %s, byte %d bit %d)" % (t + 1, part, uid, off, bit)
        v = p.ctl(trial_dir, "verify", "--all", check=False)
        e = p.ctl(trial_dir, "export", "t", "--now", NOW, check=False)
        out = e.stdout
        if out:
            try:
                json.loads(out)
            except ValueError as err:
                fail("%s: the export is not valid JSON (%s)" % (what, err))
            lines = record_lines(out)
            bad = [line for line in lines if line not in intact]
            if bad:
                fail("%s: exported a record that is not intact: %s" %
                     (what, bad[0][:120]))
        elif e.returncode == 0:
            fail("%s: an empty export with exit 0" % what)
        verify_flags = v.returncode != 0
        export_flags = e.returncode != 0
        if export_flags and b"left out" not in e.stderr and \
                b"exportctl:" not in e.stderr:
            fail("%s: export exited %d without a message" % (what, e.returncode))
        if verify_flags and export_flags:
            counts["detected by both"] += 1
        elif verify_flags:
            # A record left out (or moved) is reported, never a quiet exit 0:
            # the key, outside the checksum, is checked against the id.
            if out != ref:
                fail("%s: the export changed and exited 0 (verify: %s)" %
                     (what, v.stdout.decode(errors="replace").strip()))
            counts["detected by verify"] += 1
        elif export_flags:
            counts["detected by export"] += 1
        else:
            if out != ref:
                fail("%s: the export changed and nothing flagged it" % what)
            counts["harmless"] += 1
            harmless[part] += 1
    return len(nodes), where, counts, harmless


def main():
    if len(sys.argv) < 3:
        fail(__doc__)
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    flips = int(sys.argv[4]) if len(sys.argv) > 4 else 50
    seed = int(os.environ.get("LIBEXPORT_FAULT_SEED", "20261202"))
    rng = random.Random(seed)
    work = tempfile.mkdtemp(prefix="libexport-faults-")
    started = time.monotonic()
    try:
        p = Programs(sys.argv[1], sys.argv[2], work)
        store, key, docs, refs = make_documents(p)
        print("seed %d; old export %d bytes, new export %d bytes" %
              (seed, len(refs["old"]), len(refs["new"])), flush=True)

        import_s, c1 = kill_import_rounds(p, store, docs, refs, rounds, rng)
        print("1. kill -9 exportctl import --replace: %d rounds (a whole "
              "import took up to %.0f ms new, %.0f ms old; kills at 0-1.2x that), "
              "applied %d, not applied %d, partial 0, verify failures 0" %
              (rounds, import_s["new"] * 1000, import_s["old"] * 1000,
               c1["applied"], c1["not applied"]), flush=True)

        out = p.ctl(store, "demo", "--tracker", "big", "--customizations",
                    "8000", "--catalog", "50", "--seed", "13").stdout.decode()
        keys = {"t": key, "big": re.search(r"^key: (\S+)$", out, re.M).group(1)}
        big_ref = p.export(store, "big")
        c2 = kill_exportd_rounds(p, store, keys, docs, refs, big_ref, rounds,
                                 rng)
        print("2. kill -9 exportd mid-stream (a held %d-byte export of another "
              "tracker, and an export of the tracker an import replaces): %d "
              "rounds, held streams cut %d, exports of the imported tracker "
              "cut %d or complete %d (each one snapshot's bytes), imports "
              "committed %d, verify failures 0" %
              (len(big_ref), rounds, rounds, c2["cut"], c2["complete"],
               rounds), flush=True)

        pristine = os.path.join(work, "pristine")
        p.ctl(pristine, "tracker", "add", "t")
        p.ctl(pristine, "import", "t", docs["old"])
        found, where, c3, harmless = bit_flip_trials(p, pristine, flips, rng)
        detected = flips - c3["harmless"]
        print("3. bit flips: %d trials (%d in keys, %d in values, over %d "
              "record leaf nodes found in data.mdb): harmless %d (%d keys, "
              "%d values), detected %d (verify and export %d, verify only "
              "with the export unchanged %d, export only %d), invalid JSON 0, "
              "damaged record exported 0, export changed with exit 0 0, "
              "undetected change 0"
              % (flips, where["key"], where["value"], found, c3["harmless"],
                 harmless["key"], harmless["value"], detected,
                 c3["detected by both"], c3["detected by verify"],
                 c3["detected by export"]),
              flush=True)
        print("fault proofs: OK (%.1f s)" % (time.monotonic() - started))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
