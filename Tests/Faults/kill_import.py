#!/usr/bin/env python3
"""`make faults`: SIGKILL `oathctl import` at random points of a large import, repeatedly.

After every kill the store must pass SQLite's integrity check and hold all of the batch or none
of it; a final re-run must complete the import. Uses the release binary and Python's sqlite3.
Usage: kill_import.py [KILLS] [ROWS]
"""
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OATHCTL = os.path.join(ROOT, ".build", "release", "oathctl")


def state(store):
    # Read-write: opening rolls back a hot journal left by the kill, as oathctl's next run would.
    db = sqlite3.connect(store)
    try:
        check = db.execute("PRAGMA integrity_check").fetchone()[0]
        tokens = db.execute("SELECT count(*) FROM token").fetchone()[0]
        batches = db.execute("SELECT count(*) FROM batch").fetchone()[0]
        return check, tokens, batches
    finally:
        db.close()


def main():
    kills = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 200_000
    work = tempfile.mkdtemp(prefix="oathctl-faults-")
    upload = os.path.join(work, "upload.csv")
    subprocess.run([sys.executable, os.path.join(ROOT, "Benchmarks", "generate_upload.py"), str(rows), upload, "7"], check=True)
    env = dict(os.environ, OATHCTL_STORE=os.path.join(work, "tokens.sqlite"), OATHCTL_KEY_FILE=os.path.join(work, "master.key"))
    subprocess.run([OATHCTL, "init"], env=env, check=True, capture_output=True)
    report = ["--report", os.path.join(work, "report.csv")]
    start = time.time()
    subprocess.run([OATHCTL, "import", upload] + report, env=env, capture_output=True)
    full_seconds = time.time() - start
    _, accepted, _ = state(env["OATHCTL_STORE"])
    # A fresh store for the kills; the timing run told how long a whole import takes.
    for name in ("tokens.sqlite", "tokens.sqlite-journal"):
        if os.path.exists(os.path.join(work, name)):
            os.remove(os.path.join(work, name))
    os.remove(env["OATHCTL_KEY_FILE"])
    subprocess.run([OATHCTL, "init"], env=env, check=True, capture_output=True)
    rng = random.Random(2026)
    failures = 0
    batches_before = 0
    for attempt in range(1, kills + 1):
        process = subprocess.Popen([OATHCTL, "import", upload] + report, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        delay = rng.uniform(0.02, full_seconds * 1.1)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        check, tokens, batches = state(env["OATHCTL_STORE"])
        # All or nothing: no tokens and no new batch, or every accepted token and at most one new batch.
        ok = check == "ok" and tokens in (0, accepted) and batches in (batches_before, batches_before + 1) \
            and (tokens > 0 or batches == 0)
        batches_before = batches
        print(f"kill {attempt:2d} after {delay:5.2f}s: integrity {check}, tokens {tokens}, batches {batches} -> {'ok' if ok else 'FAIL'}")
        failures += 0 if ok else 1
    rerun = subprocess.run([OATHCTL, "import", upload] + report, env=env, capture_output=True, text=True)
    check, tokens, _ = state(env["OATHCTL_STORE"])
    print(f"re-run: exit {rerun.returncode}, integrity {check}, tokens {tokens} of {accepted}")
    if failures or check != "ok" or tokens != accepted:
        sys.exit(f"faults: {failures} kill(s) left the store between states")
    print(f"faults: {kills} kills, store always before or after the batch; {rows:,} rows, whole import {full_seconds:.1f} s")


if __name__ == "__main__":
    main()
