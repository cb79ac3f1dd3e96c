#!/usr/bin/env python3
"""docs/customization.schema.json checked against our documents and the code.

With python3-jsonschema (Draft 2020-12), and `exportctl import` as the judge
of what the code accepts:

1. the schema is itself a valid 2020-12 schema;
2. a demo export (`exportctl demo`, then `exportctl export demo`, plain and
   pruned): the document, and every record in it;
3. the acceptance generator's records (tests/acceptance/contract_check.py,
   the same seed as that test), as written and as exported again;
4. every customization fixture in the repository (the fuzz seeds and the shop
   fixture's literals): the schema and `exportctl import` give the same
   verdict on each; and the example of docs/format.md is valid and exports
   exactly as that page shows;
5. invalid documents, one defect each: the schema rejects each at the field
   that exportctl's error names;
6. valid edge cases that both accept;
7. the rules the schema cannot express (docs/format.md lists them): exportctl
   rejects each, naming the field, and the schema lets it through, so that
   list stays true.

usage: check_schema.py EXPORTCTL SOURCE_DIR WORK_DIR
"""
import copy
import glob
import importlib.util
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys

try:
    from jsonschema import Draft202012Validator
except ImportError:
    sys.exit("python3-jsonschema is missing (it is in PACKAGES in scripts/common.sh)")

FAILURES = []


def fail(what):
    FAILURES.append(what)
    print("FAIL " + what, file=sys.stderr)


def strict_json(text):
    """json.loads without NaN/Infinity, which are not JSON."""
    def no_constant(name):
        raise ValueError("not JSON: " + name)
    return json.loads(text, parse_constant=no_constant)


def path_text(path):
    """A jsonschema error path in exportctl's notation: pin_definitions[0].active_to."""
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + p
    return out


class Checker:
    def __init__(self, exportctl, source, work):
        self.exportctl = exportctl
        self.source = source
        self.work = work
        self.store = os.path.join(work, "store")
        with open(os.path.join(source, "docs", "customization.schema.json"), encoding="utf-8") as f:
            self.schema = json.load(f)
        Draft202012Validator.check_schema(self.schema)
        self.one = Draft202012Validator(self.schema)
        self.document = Draft202012Validator(
            {"$defs": self.schema["$defs"], "$ref": "#/$defs/export_document"})
        self.counts = {}
        self.calls = 0

    def count(self, what, n=1):
        self.counts[what] = self.counts.get(what, 0) + n

    def ctl(self, *args, check=True):
        self.calls += 1
        r = subprocess.run([self.exportctl, "--store", self.store, *args],
                           capture_output=True)
        if check and r.returncode != 0:
            raise RuntimeError(f"exportctl {' '.join(args)}: exit {r.returncode}\n"
                               + r.stderr.decode("utf-8", "replace"))
        return r

    def schema_errors(self, doc):
        return list(self.one.iter_errors(doc))

    def valid(self, doc, what):
        errors = self.schema_errors(doc)
        if errors:
            e = errors[0]
            fail(f"{what}: the schema rejects it at '{path_text(e.absolute_path)}': {e.message}")
            return False
        return True

    def import_texts(self, tracker, texts):
        """Imports the records (raw JSON texts) as one JSON document; returns
        (ok, {index: error text after 'results[i]: '})."""
        path = os.path.join(self.work, tracker + ".json")
        with open(path, "w", encoding="utf-8") as f:
            f.write('{"results":[\n' + ",\n".join(texts) + "\n]}")
        r = self.ctl("import", tracker, path, "--format", "json", "--on-conflict", "override",
                     check=False)
        errors, document_error = {}, False
        for line in r.stderr.decode("utf-8", "replace").splitlines():
            m = re.match(r"^  results\[(\d+)\]: (.*)$", line)
            if m:
                errors.setdefault(int(m.group(1)), m.group(2))
            document_error |= line.startswith("  document: ")
        if r.returncode not in (0, 1):
            raise RuntimeError(f"exportctl import: exit {r.returncode}: {r.stderr!r}")
        if r.returncode == 1 and not errors and not document_error:
            raise RuntimeError("exportctl import failed without a record error: "
                               + r.stderr.decode("utf-8", "replace"))
        return r.returncode == 0, errors

    # ------------------------------------------------------------ 2. demo

    def check_export(self, tracker, args, what, expect):
        text = self.ctl("export", tracker, *args).stdout.decode("utf-8")
        doc = strict_json(text)
        results = doc.get("results", []) if isinstance(doc, dict) else []
        # The document's shape here, its records one by one below.
        shape = dict(doc, results=[]) if isinstance(doc, dict) else doc
        for e in self.document.iter_errors(shape):
            fail(f"{what}: the export document: '{path_text(e.absolute_path)}': {e.message}")
        if len(results) != expect:
            fail(f"{what}: {len(results)} results, expected {expect}")
        for i, c in enumerate(results):
            self.valid(c, f"{what} results[{i}]")
        self.count(what, len(results))
        return results

    def demo(self):
        n = 2000
        self.ctl("demo", "--customizations", str(n), "--catalog", "3000", "--seed", "7")
        results = self.check_export("demo", [], "demo export", n)
        if not all("available" in c for c in results):
            fail("demo export: a record without available")
        pruned = self.check_export(
            "demo", ["--remove-expired-pins", "--remove-nonexisting-item-pins"],
            "demo export, pruned", n)
        if not any(c["pin_definitions"] == [] for c in pruned):
            fail("demo export, pruned: no record lost all its pins (the case is not covered)")

    # ------------------------------------------------------ 3. acceptance

    def acceptance(self):
        path = os.path.join(self.source, "tests", "acceptance", "contract_check.py")
        spec = importlib.util.spec_from_file_location("contract_check", path)
        acc = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(acc)
        n = 1000
        rnd = random.Random(42)  # contract_check.py main()'s seed: its first n records
        records = [acc.make(rnd, i) for i in range(n)]
        for i, c in enumerate(records):
            self.valid(c, f"acceptance record {i}")
        self.count("acceptance records as written", n)
        self.ctl("tracker", "add", "acc")
        ok, errors = self.import_texts("acc", [json.dumps(c) for c in records])
        if not ok:
            fail(f"acceptance records: exportctl rejects {len(errors)}, e.g. {sorted(errors.items())[:3]}")
        self.check_export("acc", ["--now", "2026-11-29T12:00:00Z"], "acceptance records as exported", n)

    # -------------------------------------------------------- 4. fixtures

    def fixtures(self):
        """(name, raw JSON text) of every customization fixture in the repository."""
        src = self.source
        out = []
        for f in sorted(glob.glob(os.path.join(src, "fuzz/corpus/fuzz_customization/*"))):
            with open(f, "rb") as fh:
                out.append((os.path.relpath(f, src), fh.read().decode("utf-8", "replace")))
        # The fuzz_import seeds: a byte that picks the format and the
        # conflict strategy, then the document.
        for f in sorted(glob.glob(os.path.join(src, "fuzz/corpus/fuzz_import/*"))):
            with open(f, "rb") as fh:
                text = fh.read()[1:].decode("utf-8", "replace")
            name = os.path.relpath(f, src)
            if text.lstrip().startswith('{"results"'):
                try:
                    for i, c in enumerate(strict_json(text)["results"]):
                        out.append((f"{name} results[{i}]", json.dumps(c)))
                except ValueError:
                    out.append((name, text))  # not JSON: both must reject
            else:
                for i, line in enumerate(text.split("\n"), 1):
                    if line.strip():
                        out.append((f"{name} line {i}", line))
        # Stored records (the fuzz_record seeds, and the fuzz_store_record
        # seeds after their first byte): the canonical JSON at the offset and
        # length of the record header. Seeds that are corrupt on purpose have
        # none and are not customization fixtures.
        for pattern, skip in (("fuzz/corpus/fuzz_record/*", 0), ("fuzz/corpus/fuzz_store_record/*", 1)):
            for f in sorted(glob.glob(os.path.join(src, pattern))):
                with open(f, "rb") as fh:
                    value = fh.read()[skip:]
                if len(value) < 16 or value[0] != 1:
                    continue
                at, length = struct.unpack_from("<II", value, 8)
                try:
                    text = value[at:at + length].decode("utf-8")
                    if not isinstance(strict_json(text), dict):
                        continue
                except ValueError:
                    continue
                out.append((os.path.relpath(f, src) + " (stored JSON)", text))
        # The shop fixture's literal documents, inputs and expected exports.
        with open(os.path.join(src, "tests", "shop_fixture.h"), encoding="utf-8") as fh:
            header = fh.read()
        for m in re.finditer(r'(k\w+)\s*=\s*R"\((\{.*?\})\)"', header, re.S):
            out.append((f"tests/shop_fixture.h {m.group(1)}", m.group(2)))
        return out

    def check_fixtures(self):
        self.ctl("tracker", "add", "fixtures")
        fixtures = self.fixtures()
        schema = []
        for name, text in fixtures:
            try:
                errors = self.schema_errors(strict_json(text))
                schema.append((not errors, "" if not errors else
                               f"'{path_text(errors[0].absolute_path)}': {errors[0].message}"))
            except ValueError as e:
                schema.append((False, f"not JSON ({e})"))
        # What the code says, in few imports: fixtures go into groups whose ids
        # all differ (an id repeated within one import is an error of its
        # own); a fixture that is not JSON gets an import of its own, as does
        # each member of a group that fails as a whole document.
        groups = []  # (indexes, ids seen; None for a lone fixture)
        for i, (_, text) in enumerate(fixtures):
            try:
                doc = strict_json(text)
            except ValueError:
                groups.append(([i], None))
                continue
            key = str(doc["id"]).lower() if isinstance(doc, dict) and doc.get("id") else None
            for members, ids in groups:
                if ids is not None and (key is None or key not in ids):
                    members.append(i)
                    if key:
                        ids.add(key)
                    break
            else:
                groups.append(([i], {key} if key else set()))
        code = {}
        while groups:
            members, ids = groups.pop()
            ok, errors = self.import_texts("fixtures", [fixtures[m][1] for m in members])
            if not ok and not errors and len(members) > 1:
                groups.extend(([m], None) for m in members)
                continue
            for j, m in enumerate(members):
                code[m] = (ok or (ids is not None and j not in errors),
                           errors.get(j, "a document error"))
        accepted = 0
        for i, (name, _) in enumerate(fixtures):
            (schema_ok, why), (code_ok, code_why) = schema[i], code[i]
            if schema_ok != code_ok:
                fail(f"fixture {name}: the schema {'accepts' if schema_ok else 'rejects (' + why + ')'}"
                     f" but exportctl {'accepts' if code_ok else 'rejects (' + code_why + ')'}")
            accepted += schema_ok and code_ok
        self.count("fixtures (same verdict as exportctl)", len(fixtures))
        self.count("fixtures that are valid", accepted)
        if accepted < 20:
            fail(f"only {accepted} valid fixtures found: did the fixtures move?")

    # ------------------------------------------- the examples of format.md

    def format_examples(self):
        """docs/format.md's example customization is valid, and its two export
        blocks are exactly what exportctl writes for it (plain, then pruned)."""
        with open(os.path.join(self.source, "docs", "format.md"), encoding="utf-8") as f:
            blocks = re.findall(r"```json\n(.*?)\n```", f.read(), re.S)
        inputs = [b for b in blocks if not b.startswith('{"results"')]
        exports = [b for b in blocks if b.startswith('{"results"')]
        if len(inputs) != 1 or len(exports) != 2:
            fail(f"docs/format.md: expected 1 example and 2 exports, found {len(inputs)} and {len(exports)}")
            return
        self.valid(strict_json(inputs[0]), "docs/format.md example")
        for i, b in enumerate(exports):
            for j, c in enumerate(strict_json(b)["results"]):
                self.valid(c, f"docs/format.md export {i} results[{j}]")
        self.ctl("tracker", "add", "example")
        ok, errors = self.import_texts("example", inputs)
        if not ok:
            fail(f"docs/format.md example: exportctl rejects it: {errors}")
        catalog = os.path.join(self.work, "example_catalog.txt")
        with open(catalog, "w") as f:
            f.write("/p/123/\n/p/456/\n")
        self.ctl("catalog", "add", "example", catalog)
        now = ["--now", "2026-12-05T12:00:00Z"]
        for b, args in ((exports[0], now),
                        (exports[1], now + ["--remove-expired-pins", "--remove-nonexisting-item-pins"])):
            got = self.ctl("export", "example", *args).stdout.decode("utf-8")
            if got != b + "\n":
                fail(f"docs/format.md: exportctl export example {' '.join(args)} writes\n{got}")
        self.count("docs/format.md examples", 1 + len(exports))

    # ------------------------------------------- 5, 6, 7: written by hand

    BASE = {"model": "basket", "target_type": "item", "target_identity": "/p/1/",
            "pin_definitions": [{"position": 1, "pin_type": "item", "pin_identity": "/p/2/"}]}

    @classmethod
    def variant(cls, change):
        doc = copy.deepcopy(cls.BASE)
        change(doc)
        return doc

    @staticmethod
    def pin(**fields):
        def change(doc):
            p = doc["pin_definitions"][0]
            for k, v in fields.items():
                if v is DELETE:
                    p.pop(k, None)
                else:
                    p[k] = v
        return change

    @staticmethod
    def top(**fields):
        def change(doc):
            for k, v in fields.items():
                if v is DELETE:
                    doc.pop(k, None)
                else:
                    doc[k] = v
        return change

    def invalid_cases(self):
        P, T = self.pin, self.top
        crit = {"pin_type": "criteria", "pin_identity": DELETE, "pin_criteria": {"c": 1}}
        return [
            ("missing model", T(model=DELETE), "model"),
            ("empty model", T(model=""), "model"),
            ("null model", T(model=None), "model"),
            ("model not a string", T(model=["basket"]), "model"),
            ("target_type in capitals", T(target_type="ITEM"), "target_type"),
            ("unknown target_type", T(target_type="everything"), "target_type"),
            ("missing target_type", T(target_type=DELETE), "target_type"),
            ("target_identity with target_type=all", T(target_type="all"), "target_identity"),
            ("target_identity with target_type=criteria",
             T(target_type="criteria", target_criteria={"c": 1}), "target_identity"),
            ("no target_identity with target_type=item", T(target_identity=DELETE), "target_identity"),
            ("empty target_identity", T(target_identity=""), "target_identity"),
            ("target_identity of 1025 characters", T(target_identity="x" * 1025), "target_identity"),
            ("no target_criteria with target_type=criteria",
             T(target_type="criteria", target_identity=DELETE), "target_criteria"),
            ("target_criteria an array",
             T(target_type="criteria", target_identity=DELETE, target_criteria=[]), "target_criteria"),
            ("target_criteria with target_type=item", T(target_criteria={"c": 1}), "target_criteria"),
            ("target_metadata a string", T(target_metadata="title"), "target_metadata"),
            ("an empty tag", T(tags=["sale", ""]), "tags[1]"),
            ("a tag that is a number", T(tags=[7]), "tags[0]"),
            ("tags not an array", T(tags="sale"), "tags"),
            ("id not a UUID", T(id="not-a-uuid"), "id"),
            ("id without dashes", T(id="0b6f2c345d1e4a7b9c8d1e2f3a4b5c6d"), "id"),
            ("id in braces", T(id="{0b6f2c34-5d1e-4a7b-9c8d-1e2f3a4b5c6d}"), "id"),
            ("id a number", T(id=12), "id"),
            ("an unknown field", T(priority=1), "priority"),
            ("missing pin_definitions", T(pin_definitions=DELETE), "pin_definitions"),
            ("null pin_definitions", T(pin_definitions=None), "pin_definitions"),
            ("pin_definitions an object", T(pin_definitions={}), "pin_definitions"),
            ("a pin that is a string", T(pin_definitions=["/p/2/"]), "pin_definitions[0]"),
            ("creator a number", T(creator=5), "creator"),
            ("available a string", T(available="yes"), "available"),
            ("created_at without an offset", T(created_at="2026-11-29T12:00:00"), "created_at"),
            ("created_at on February 30", T(created_at="2026-02-30T00:00:00Z"), "created_at"),
            ("created_at in year 0000", T(created_at="0000-01-01T00:00:00Z"), "created_at"),
            ("updated_at at hour 24", T(updated_at="2026-11-29T24:00:00Z"), "updated_at"),
            ("updated_at a number", T(updated_at=1764417600), "updated_at"),
            ("missing position", P(position=DELETE), "pin_definitions[0].position"),
            ("position -2", P(position=-2), "pin_definitions[0].position"),
            ("position a string", P(position="1"), "pin_definitions[0].position"),
            ("position 1.5", P(position=1.5), "pin_definitions[0].position"),
            # The schema says what is missing (is_block_pin); the code names
            # the position that needs it.
            ("position 0 without is_block_pin", P(position=0), "pin_definitions[0].position",
             "pin_definitions[0].is_block_pin"),
            ("position 0 with is_block_pin false", P(position=0, is_block_pin=False),
             "pin_definitions[0].position", "pin_definitions[0].is_block_pin"),
            ("missing pin_type", P(pin_type=DELETE), "pin_definitions[0].pin_type"),
            ("pin_type in capitals", P(pin_type="Item"), "pin_definitions[0].pin_type"),
            ("pin_type all", P(pin_type="all"), "pin_definitions[0].pin_type"),
            ("no pin_identity for an item pin", P(pin_identity=DELETE), "pin_definitions[0].pin_identity"),
            ("empty pin_identity", P(pin_identity=""), "pin_definitions[0].pin_identity"),
            ("pin_identity of 1025 characters", P(pin_identity="/" * 1025),
             "pin_definitions[0].pin_identity"),
            ("pin_criteria on an item pin", P(pin_criteria={"c": 1}), "pin_definitions[0].pin_criteria"),
            ("pin_identity on a criteria pin", P(**dict(crit, pin_identity="/p/2/")),
             "pin_definitions[0].pin_identity"),
            ("no pin_criteria for a criteria pin", P(**dict(crit, pin_criteria=DELETE)),
             "pin_definitions[0].pin_criteria"),
            ("pin_criteria a string", P(**dict(crit, pin_criteria="red")),
             "pin_definitions[0].pin_criteria"),
            ("widget_id a number", P(widget_id=7), "pin_definitions[0].widget_id"),
            ("is_block_pin a string", P(is_block_pin="true"), "pin_definitions[0].is_block_pin"),
            ("is_bundle_pin 1", P(is_bundle_pin=1), "pin_definitions[0].is_bundle_pin"),
            ("active_to in month 13", P(active_to="2026-13-01T00:00:00Z"), "pin_definitions[0].active_to"),
            ("active_from with a space for T", P(active_from="2026-11-29 12:00:00Z"),
             "pin_definitions[0].active_from"),
            ("active_to a leap second", P(active_to="2026-12-31T23:59:60Z"), "pin_definitions[0].active_to"),
            ("active_from with offset +2:00", P(active_from="2026-11-29T12:00:00+2:00"),
             "pin_definitions[0].active_from"),
            ("active_to with offset +24:00", P(active_to="2026-11-29T12:00:00+24:00"),
             "pin_definitions[0].active_to"),
            ("active_to with a dot and no digits", P(active_to="2026-11-29T12:00:00.Z"),
             "pin_definitions[0].active_to"),
            ("active_from a date only", P(active_from="2026-11-29"), "pin_definitions[0].active_from"),
            ("an unknown pin field", P(priority=1), "pin_definitions[0].priority"),
        ]

    def schema_names(self, errors, field):
        """Whether one of the schema's errors is about `field`: at its path, or
        a `required` error on its parent that names it."""
        parent, _, name = field.rpartition(".")
        if "[" in name and not parent:  # tags[1], pin_definitions[0]
            parent, name = "", name
        for e in errors:
            for sub in [e, *e.context]:
                at = path_text(sub.absolute_path)
                if at == field:
                    return True
                if sub.validator in ("required", "additionalProperties") and at == parent \
                        and repr(name) in sub.message:
                    return True
        return False

    def check_invalid(self):
        cases = self.invalid_cases()
        docs = [self.variant(case[1]) for case in cases]
        self.ctl("tracker", "add", "invalid")
        ok, code_errors = self.import_texts("invalid", [json.dumps(d) for d in docs])
        if ok:
            fail("invalid documents: exportctl accepted them all")
        for i, (case, doc) in enumerate(zip(cases, docs)):
            name, field = case[0], case[2]
            schema_field = case[3] if len(case) > 3 else field
            errors = self.schema_errors(doc)
            if not errors:
                fail(f"invalid: {name}: the schema accepts it")
            elif not self.schema_names(errors, schema_field):
                fail(f"invalid: {name}: the schema rejects it, but not at {schema_field}: "
                     + "; ".join(f"'{path_text(e.absolute_path)}': {e.message}" for e in errors))
            got = code_errors.get(i)
            if got is None:
                fail(f"invalid: {name}: exportctl accepts it")
            elif not got.startswith(field + ": "):
                fail(f"invalid: {name}: exportctl names another field: {got}")
        self.count("invalid documents rejected by both at the same field", len(cases))

    def valid_cases(self):
        P, T = self.pin, self.top
        return [
            ("null for every optional field",
             T(id=None, target_type="all", target_identity=None, target_criteria=None,
               target_metadata=None, tags=None, creator=None, created_at=None, updated_at=None,
               available=None,
               pin_definitions=[{"position": 1, "pin_type": "criteria", "pin_criteria": {},
                                 "pin_identity": None, "widget_id": None, "is_block_pin": None,
                                 "is_bundle_pin": None, "active_from": None, "active_to": None}])),
            ("an upper-case id", T(id="0B6F2C34-5D1E-4A7B-9C8D-1E2F3A4B5C6D")),
            ("an id that is not version 4", T(id="00000000-0000-0000-0000-000000000000")),
            ("lower-case t and z", T(created_at="2026-11-29t12:00:00z")),
            ("offsets -00:00 and +14:00", T(created_at="2026-11-29T12:00:00-00:00",
                                            updated_at="2026-11-29T12:00:00+14:00")),
            ("a fraction of 12 digits", P(active_to="2026-11-29T12:00:00.123456789012+05:30")),
            ("February 29 of a leap year", P(active_from="2028-02-29T00:00:00Z")),
            ("years 0001 and 9999", P(active_from="0001-01-01T00:00:00Z", active_to="9999-12-31T23:59:59Z")),
            ("active_from equal to active_to", P(active_from="2026-11-29T12:00:00Z",
                                                 active_to="2026-11-29T13:00:00+01:00")),
            ("a block pin at position 0", P(position=0, is_block_pin=True)),
            ("a block pin at a slot", P(position=5, is_block_pin=True, is_bundle_pin=True)),
            ("a global pin", P(position=-1)),
            ("no pins", T(pin_definitions=[])),
            ("empty widget_id and creator", lambda d: (P(widget_id="")(d), T(creator="")(d))),
            ("repeated tags", T(tags=["sale", "sale", "été", "sale"])),
            ("available on input", T(available=False)),
            ("identity of 1024 characters", T(target_identity="x" * 1024)),
            ("opaque objects of any JSON", T(target_type="criteria", target_identity=DELETE,
                                             target_criteria={"a": [1, 2.5, None, True, {"b": {}}],
                                                              "big": 18446744073709551615},
                                             target_metadata={})),
            ("a criteria pin", P(pin_type="criteria", pin_identity=DELETE, pin_criteria={"in": ["red"]})),
        ]

    def check_valid(self):
        cases = self.valid_cases()
        docs = [self.variant(change) for _, change in cases]
        for (name, _), doc in zip(cases, docs):
            self.valid(doc, f"valid: {name}")
        self.ctl("tracker", "add", "valid")
        ok, errors = self.import_texts("valid", [json.dumps(d, ensure_ascii=False) for d in docs])
        for i, e in sorted(errors.items()):
            fail(f"valid: {cases[i][0]}: exportctl rejects it: {e}")
        self.count("valid edge cases accepted by both", len(cases))

    def check_beyond(self):
        """Rules of the code that the schema cannot express (docs/format.md
        lists them): exportctl rejects each at the field; the schema does not."""
        base = json.dumps(self.BASE)
        cases = [
            ("a multi-byte identity over 1024 bytes",
             base.replace('"/p/1/"', '"' + "\u00e9" * 600 + '"'), "target_identity"),
            ("February 29 of a year that is not leap",
             base[:-1] + ', "created_at": "2027-02-29T00:00:00Z"}', "created_at"),
            ("a time before year 0001 in UTC",
             base[:-1] + ', "created_at": "0001-01-01T00:30:00+01:00"}', "created_at"),
            ("a position written 1.0", base.replace('"position": 1', '"position": 1.0'),
             "pin_definitions[0].position"),
            ("active_from later than active_to",
             base.replace('"position": 1', '"position": 1, "active_from": "2026-02-01T00:00:00Z",'
                          ' "active_to": "2026-01-01T00:00:00Z"'),
             "pin_definitions[0].active_from"),
            ("a repeated field", base.replace('"model": "basket"', '"model": "basket", "model": "home"'),
             "model"),
        ]
        self.ctl("tracker", "add", "beyond")
        _, errors = self.import_texts("beyond", [text for _, text, _ in cases])
        for i, (name, text, field) in enumerate(cases):
            got = errors.get(i)
            if got is None or not got.startswith(field + ": "):
                fail(f"beyond the schema: {name}: exportctl should reject it at {field}, got {got}")
            if self.schema_errors(json.loads(text)):
                fail(f"beyond the schema: {name}: the schema now rejects it; update docs/format.md")
        self.count("rules beyond the schema, rejected by exportctl only", len(cases))


class _Delete:
    pass


DELETE = _Delete()


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    exportctl, source, work = sys.argv[1:]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    c = Checker(exportctl, source, work)
    c.demo()
    c.acceptance()
    c.check_fixtures()
    c.format_examples()
    c.check_invalid()
    c.check_valid()
    c.check_beyond()
    for what, n in c.counts.items():
        print(f"{n:6d}  {what}")
    print(f"({c.calls} exportctl runs)")
    if FAILURES:
        print(f"{len(FAILURES)} failure(s)", file=sys.stderr)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
