#!/usr/bin/env python3
"""Writes a seeded upload-format CSV of N rows, about 1% of them bad in every way oathctl reports.

Usage: generate_upload.py ROWS OUT.csv [SEED]
Users hold 1 to 5 tokens each (a few get a sixth); secrets are random 20-byte seeds in Base32.
"""
import base64
import random
import sys


def main() -> None:
    rows, out = int(sys.argv[1]), sys.argv[2]
    rnd = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 42)
    bad_kinds = [
        lambda r: r.__setitem__(3, "45"),                                  # interval_invalid
        lambda r: r.__setitem__(2, "1234567abcdef1234567abcdef"),          # secret_not_base32
        lambda r: r.__setitem__(2, "A" * 136),                             # secret_too_long
        lambda r: r.__setitem__(2, ""),                                    # secret_missing
        lambda r: r.__setitem__(1, ""),                                    # serial_missing
        lambda r: r.__setitem__(0, r[0].replace("@", " @")),               # upn_invalid
        lambda r: r.__setitem__(4, ""),                                    # manufacturer_missing
        lambda r: r.__setitem__(5, ""),                                    # model_missing
        lambda r: r.pop(),                                                 # field_count
        lambda r: r.__setitem__(1, str(1_000_000 + rnd.randrange(rows))),  # serial_duplicate or token_multiple_users
    ]
    user = 0
    left_for_user = 0
    with open(out, "w", newline="") as f:
        f.write("upn,serial number,secret key,time interval,manufacturer,model\n")
        for i in range(rows):
            if left_for_user == 0:
                user += 1
                left_for_user = rnd.choice([1, 1, 2, 3, 5]) + (1 if rnd.random() < 0.002 else 0)
            left_for_user -= 1
            secret = base64.b32encode(rnd.randbytes(20)).decode().rstrip("=")
            row = [f"user{user}@contoso.com", str(1_000_000 + i), secret, rnd.choice(["30", "60"]), "Contoso", "HardwareKey"]
            if rnd.random() < 0.01:
                rnd.choice(bad_kinds)(row)
            f.write(",".join(row) + "\n")


if __name__ == "__main__":
    main()
