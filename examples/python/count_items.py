#!/usr/bin/python3
"""count_items: the same small job as examples/c/count_items.c and the Rust example; a test compares their output.

Usage: count_items.py <dataset> [shard_index shard_count]
"""
import sys
from collections import Counter
from typing import List

import mirsafety


def main(argv: List[str]) -> int:
    if len(argv) not in (2, 4):
        print("usage: count_items.py <dataset> [shard_index shard_count]", file=sys.stderr)
        return 2
    shard = (int(argv[2]), int(argv[3])) if len(argv) == 4 else (0, 0)
    try:
        with mirsafety.Dataset(argv[1]) as ds, ds.iter(shard=shard) as items:
            per_relation: Counter[int] = Counter()
            first: List[str] = []
            n = 0
            for item in items:
                per_relation[item.relation] += 1
                if len(first) < 3:
                    first.append(item.key)
                n += 1
            print("items: %d" % len(ds))
            print("shard %d/%d: %d items" % (shard[0], shard[1], n))
            for r, name in enumerate(mirsafety.relations()):
                print("%s %d" % (name, per_relation[r]))
            for key in first:
                print("first: %s" % key)
    except mirsafety.MirsError as e:
        print("count_items: %s" % e, file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
