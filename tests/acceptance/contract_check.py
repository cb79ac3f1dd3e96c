#!/usr/bin/env python3
"""Acceptance check of the export against an independent reference.

Another program (this one) writes N customizations in the input format of
docs/format.md, with everything that page allows: upper-case ids, +02:00
offsets, fractions, nulls for optional fields, duplicate tags, `available` on
input, unicode and escapes. `exportctl` imports them; then for every
combination of the four filters and the two pruning switches of
docs/http_api.md, `exportctl export --now T` must equal what this file
computes from those two pages alone, compared after JSON normalization (times
compared as instants, keys unordered).

usage: contract_check.py EXPORTCTL WORKDIR [N]
"""
import datetime as dt
import itertools
import json
import os
import random
import shutil
import subprocess
import sys
import uuid

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 29, 12, 0, 0, tzinfo=UTC)
MODELS = ["basket", "item_detail_alternatives", "category", "brand", "favorites"]
TAGS = ["summer", "winter", "sale", "été", 'quo"te', "a/b?c%d", "rare"]
ITEMS = [f"/p/{i}/" for i in range(400)]


def fmt(t, rnd):
    """An RFC 3339 text of t with a random offset and precision."""
    off = rnd.choice([0, 0, 120, -300, 330])
    local = t.astimezone(dt.timezone(dt.timedelta(minutes=off)))
    frac = rnd.choice(["", "", ".5", ".123", ".000001"])
    base = local.strftime("%Y-%m-%dT%H:%M:%S")
    if frac:
        base += frac
        # keep the instant: fractions are added to a whole-second time
    if off == 0:
        return base + rnd.choice(["Z", "+00:00"])
    sign = "+" if off > 0 else "-"
    return base + f"{sign}{abs(off) // 60:02d}:{abs(off) % 60:02d}"


def make(rnd, i):
    c = {}
    u = uuid.UUID(int=rnd.getrandbits(128), version=4)
    c["id"] = str(u).upper() if i % 7 == 0 else str(u)
    c["model"] = rnd.choice(MODELS)
    tt = rnd.choice(["item", "item", "criteria", "all"])
    c["target_type"] = tt
    if tt == "item":
        c["target_identity"] = rnd.choice(ITEMS)
    if tt == "criteria":
        c["target_criteria"] = {"z": 1, "a": [1, 2.5, {"k": None}], "brand": "Nike"}
    if rnd.random() < 0.3:
        c["target_metadata"] = {"title": "T\u00e9l\u00e9 \\ \"x\"", "image": "/i.png"}
    if rnd.random() < 0.8:
        c["tags"] = [rnd.choice(TAGS) for _ in range(rnd.randint(0, 4))]
    pins = []
    for _ in range(rnd.randint(0, 6)):
        p = {}
        kind = rnd.random()
        if kind < 0.15:
            p["position"] = 0
            p["is_block_pin"] = True
        else:
            p["position"] = rnd.choice([-1, 1, 2, 3, 7])
            if rnd.random() < 0.3:
                p["is_block_pin"] = False
        if rnd.random() < 0.75:
            p["pin_type"] = "item"
            p["pin_identity"] = rnd.choice(ITEMS)
        else:
            p["pin_type"] = "criteria"
            p["pin_criteria"] = {"field": "color", "in": ["red", "blue"]}
        if rnd.random() < 0.2:
            p["widget_id"] = "w1"
        if rnd.random() < 0.2:
            p["is_bundle_pin"] = rnd.random() < 0.5
        w = rnd.random()
        if w < 0.25:  # expired, sometimes exactly at NOW
            p["active_to"] = fmt(NOW - dt.timedelta(hours=rnd.randint(0, 48)), rnd)
        elif w < 0.4:  # future
            p["active_from"] = fmt(NOW + dt.timedelta(hours=rnd.randint(1, 48)), rnd)
        elif w < 0.7:  # active
            p["active_from"] = fmt(NOW - dt.timedelta(days=2), rnd)
            p["active_to"] = fmt(NOW + dt.timedelta(days=2), rnd)
        elif w < 0.75:
            p["active_to"] = None
        pins.append(p)
    c["pin_definitions"] = pins
    if rnd.random() < 0.5:
        c["creator"] = "ann@example.com"
    elif rnd.random() < 0.2:
        c["creator"] = None
    c["created_at"] = fmt(NOW - dt.timedelta(days=30), rnd)
    c["updated_at"] = fmt(NOW - dt.timedelta(days=1), rnd)
    if rnd.random() < 0.1:
        c["available"] = True
    return c


def instant(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00").replace("z", "+00:00"))


def normalize(c):
    """A customization as docs/format.md says it is exported, before pruning."""
    n = {k: v for k, v in c.items() if v is not None and k != "available"}
    n["id"] = n["id"].lower()
    if "tags" in n:
        seen, tags = set(), []
        for t in n["tags"]:
            if t not in seen:
                seen.add(t)
                tags.append(t)
        n["tags"] = tags
    for k in ("created_at", "updated_at"):
        n[k] = instant(n[k])
    n["pin_definitions"] = [normalize_pin(p) for p in n["pin_definitions"]]
    return n


def normalize_pin(p):
    q = {k: v for k, v in p.items() if v is not None}
    q.setdefault("is_block_pin", False)
    q.setdefault("is_bundle_pin", False)
    for k in ("active_from", "active_to"):
        if k in q:
            q[k] = instant(q[k])
    return q


def active(p, now):
    return p.get("active_from", now) <= now and (now < p["active_to"] if "active_to" in p else True)


def pruned_reason(p, q, catalog, now):
    """Why docs/http_api.md says pin p is dropped, or None: expiry first."""
    if q.get("remove_expired_pins") and "active_to" in p and p["active_to"] <= now:
        return "expired"
    if q.get("remove_nonexisting_item_pins") and p["pin_type"] == "item" \
            and p["pin_identity"] not in catalog:
        return "nonexisting_item"
    return None


def expected(records, catalog, q, now):
    """(results, pruned) of query q; each filter is a list of values (any)."""
    out, pruned = [], []
    for c in sorted(records, key=lambda c: c["id"]):
        if "model" in q and c["model"] not in q["model"]:
            continue
        if "tag" in q and not set(q["tag"]) & set(c.get("tags", [])):
            continue
        if "target_type" in q and c["target_type"] not in q["target_type"]:
            continue
        if "target_identity" in q and c.get("target_identity") not in q["target_identity"]:
            continue
        d = dict(c)
        pins = []
        for p in c["pin_definitions"]:
            why = pruned_reason(p, q, catalog, now)
            if why:
                pruned.append({"id": c["id"], "reason": why, "pin": p})
            else:
                pins.append(p)
        d["pin_definitions"] = pins
        d["available"] = any(active(p, now) for p in pins)
        out.append(d)
    return out, pruned


def parse_export(text, with_report=False):
    doc = json.loads(text)
    assert list(doc.keys()) == (["results", "pruned"] if with_report else ["results"]), doc.keys()
    results = [normalize(c) | {"available": c["available"]} for c in doc["results"]]
    if not with_report:
        return results, []
    pruned = [{"id": e["id"], "reason": e["reason"],
               "pin": normalize_pin(e["pin"])}
              for e in doc["pruned"]]
    return results, pruned


def ndjson_of(document):
    """The NDJSON docs/http_api.md gives for a JSON export document's bytes."""
    lines = document.split(b"\n")
    if document == b'{"results":[]}\n':
        return b""
    assert lines[0] == b'{"results":[' and lines[-2:] == [b"]}", b""], lines[:1] + lines[-2:]
    return b"".join(line.removesuffix(b",") + b"\n" for line in lines[1:-2])


def main():
    exportctl, work = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 20000
    rnd = random.Random(42)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    store = os.path.join(work, "store")
    records = [make(rnd, i) for i in range(n)]
    catalog = set(rnd.sample(ITEMS, 300))
    ndjson = os.path.join(work, "input.ndjson")
    with open(ndjson, "w", encoding="utf-8") as f:
        for c in records:
            f.write(json.dumps(c, ensure_ascii=rnd.random() < 0.5) + "\n")
    with open(os.path.join(work, "catalog.txt"), "w") as f:
        f.write("\n".join(sorted(catalog)) + "\n")

    def ctl(*args, **kw):
        return subprocess.run([exportctl, "--store", store, *args], check=True,
                              capture_output=True, **kw).stdout

    ctl("tracker", "add", "acc")
    ctl("import", "acc", ndjson)
    ctl("catalog", "add", "acc", os.path.join(work, "catalog.txt"))
    reference = [normalize(c) for c in records]

    filters = [{}, {"model": ["basket"]}, {"tag": ["été"]}, {"tag": ['quo"te']},
               {"tag": ["a/b?c%d"]}, {"target_type": ["criteria"]},
               {"target_identity": [ITEMS[7]]},
               {"model": ["category"], "tag": ["sale"]},
               {"model": ["brand"], "target_type": ["item"], "target_identity": [ITEMS[3]]},
               {"model": ["nothing-matches"]},
               # Repeated: any of the values, AND across parameters.
               {"model": ["basket", "brand"]}, {"tag": ["été", "rare", "winter"]},
               {"target_type": ["criteria", "all"]},
               {"target_identity": [ITEMS[7], ITEMS[8], ITEMS[9], "/none/"]},
               {"model": ["category", "brand"], "tag": ["sale", "summer"]},
               {"target_type": ["item", "criteria"], "target_identity": [ITEMS[3], ITEMS[4]]}]
    # The instant of the export (exportctl --now, the endpoint's as_of):
    # the generator's NOW, and a day earlier with both prunings.
    instants = [(NOW, "2026-11-29T14:00:00+02:00"), (NOW - dt.timedelta(days=1), "2026-11-28T12:00:00Z")]
    checked = 0
    for f, (exp, cat), (now, now_text) in itertools.product(
            filters, itertools.product([False, True], repeat=2), instants):
        if now != NOW and not (exp and cat):
            continue
        q = dict(f)
        args = ["export", "acc", "--now", now_text]
        for k, values in f.items():
            for v in values:
                args += ["--" + k.replace("_", "-"), v]
        if exp:
            q["remove_expired_pins"] = True
            args.append("--remove-expired-pins")
        if cat:
            q["remove_nonexisting_item_pins"] = True
            args.append("--remove-nonexisting-item-pins")
        report = exp or cat
        if report:
            args.append("--prune-report")
        text = ctl(*args)
        got, got_pruned = parse_export(text.decode("utf-8"), report)
        want, want_pruned = expected(reference, catalog, q, now)
        if got != want or got_pruned != want_pruned:
            for g, w in zip(got + got_pruned, want + want_pruned):
                if g != w:
                    print("first difference:\n got ", g, "\n want", w, file=sys.stderr)
                    break
            print(f"FAIL {args}: {len(got)} results, {len(got_pruned)} pruned; expected "
                  f"{len(want)}, {len(want_pruned)}", file=sys.stderr)
            return 1
        if not report and now == NOW:
            nd = ctl(*args, "--format", "ndjson")
            if nd != ndjson_of(text):
                print(f"FAIL {args} --format ndjson: not the document's records, one a line",
                      file=sys.stderr)
                return 1
        checked += 1
        print(f"ok {' '.join(args[2:])}: {len(got)} customizations, {len(got_pruned)} pruned")
    # Export -> import into a fresh store -> export: byte-identical.
    full = ctl("export", "acc", "--now", "2026-11-29T12:00:00Z")
    with open(os.path.join(work, "export.json"), "wb") as f:
        f.write(full)
    store2 = os.path.join(work, "store2")
    subprocess.run([exportctl, "--store", store2, "tracker", "add", "acc"], check=True,
                   capture_output=True)
    subprocess.run([exportctl, "--store", store2, "import", "acc", os.path.join(work, "export.json")],
                   check=True, capture_output=True)
    again = subprocess.run([exportctl, "--store", store2, "export", "acc", "--now",
                            "2026-11-29T12:00:00Z"], check=True, capture_output=True).stdout
    if again != full:
        print("FAIL: export -> import -> export is not byte-identical", file=sys.stderr)
        return 1
    # The same through NDJSON, and through a zstd- and a gzip-compressed file.
    for name, extra in [("export.ndjson", ["--format", "ndjson"]),
                        ("export.ndjson.zst", ["--format", "ndjson", "--compress", "zstd"]),
                        ("export.json.gz", ["--compress", "gzip"])]:
        path = os.path.join(work, name)
        with open(path, "wb") as f:
            f.write(ctl("export", "acc", "--now", "2026-11-29T12:00:00Z", *extra))
        store3 = os.path.join(work, "store-" + name)
        subprocess.run([exportctl, "--store", store3, "tracker", "add", "acc"],
                       check=True, capture_output=True)
        subprocess.run([exportctl, "--store", store3, "import", "acc", path], check=True,
                       capture_output=True)
        again = subprocess.run([exportctl, "--store", store3, "export", "acc", "--now",
                                "2026-11-29T12:00:00Z"], check=True, capture_output=True).stdout
        if again != full:
            print(f"FAIL: export -> {name} -> import -> export is not byte-identical",
                  file=sys.stderr)
            return 1
    print(f"{checked} passed, 0 failed ({n} customizations; round trip byte-identical)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
