#!/usr/bin/env python3
"""Probe lengths of the catalog table's linear probing (libexport/src/catalog_set.h)
for a catalog of N identities made from a printf pattern, with the table's
multiplicative slot ((hash * 0x9e3779b97f4a7c15) >> shift) and with the hash's
top bits alone (hash >> shift). The hash is FNV-1a 64 (record.h, Hash64), the
table has the first power of two >= 2N + 2 slots, and identities are inserted
in hash order, as the build reads them (docs/benchmarks.md, "Whole-process
export against the floor", tried and not kept).

  bench/catalog_probe_sim.py N PATTERN      e.g. 1000 'sku-%d'
"""
import sys

MASK = (1 << 64) - 1


def fnv1a(s):
    h = 0xCBF29CE484222325
    for c in s.encode():
        h = ((h ^ c) * 0x100000001B3) & MASK
    return h


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    n, pattern = int(sys.argv[1]), sys.argv[2]
    hashes = sorted(fnv1a(pattern % i) for i in range(n))
    bits = 4
    while (1 << bits) < n * 2 + 2:
        bits += 1
    shift = 64 - bits
    slots = {
        "multiplicative": lambda h: ((h * 0x9E3779B97F4A7C15) & MASK) >> shift,
        "top bits": lambda h: h >> shift,
    }
    for name, slot in slots.items():
        table = [False] * (1 << bits)
        total = longest = 0
        for h in hashes:
            i, extra = slot(h), 0
            while table[i]:
                i, extra = (i + 1) & ((1 << bits) - 1), extra + 1
            table[i] = True
            total += extra + 1
            longest = max(longest, extra)
        print(f"{name}: {total / n:.3f} probes per identity, longest chain +{longest}")


if __name__ == "__main__":
    main()
