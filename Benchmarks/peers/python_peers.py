#!/usr/bin/env python3
"""Peers for `make bench` in Python: pyotp code generation (when installed) and csv.reader over a file.

Usage: python_peers.py codes | python_peers.py csv FILE
Prints "name<TAB>value" lines: codes per second, or seconds to read the file.
"""
import csv
import os
import sys
import time


def codes() -> None:
    try:
        import base64
        import pyotp
    except ImportError:
        print("pyotp\tunavailable")
        return
    import random
    rnd = random.Random(20261122)
    keys = [base64.b32encode(bytes(rnd.randrange(256) for _ in range(20))).decode() for _ in range(200)]
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for key in keys:
            totp = pyotp.TOTP(key)
            for i in range(100):
                totp.at(1_800_000_000 + 30 * i)
        best = min(best, time.perf_counter() - start)
    print(f"pyotp\t{len(keys) * 100 / best:.0f}")


def read_csv(path: str) -> None:
    start = time.perf_counter()
    rows = 0
    with open(path, newline="", encoding="utf-8") as f:
        for _ in csv.reader(f):
            rows += 1
    print(f"python_csv_seconds\t{time.perf_counter() - start:.3f}")
    print(f"python_csv_rows\t{rows}")


if __name__ == "__main__":
    codes() if sys.argv[1] == "codes" else read_csv(sys.argv[2])
