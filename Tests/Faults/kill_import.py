#!/usr/bin/env python3
"""`make faults`: SIGKILL `oathctl import` at random points of a large import, repeatedly.

Every kill hits a fresh copy of an empty store. After it the store must pass SQLite's integrity
check and hold all of the batch or none of it; a final re-run must complete the import. Uses the release binary and Python's sqlite3.
Usage: kill_import.py [KILLS] [ROWS]
"""
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OATHCTL = os.path.join(ROOT, ".build", "release", "oathctl")
INDEXES = {"token_user", "token_secret_fp", "app_user", "audit_serial", "audit_upn", "session_operator"}


def state(store):
    # Read-write: opening rolls back a hot journal left by the kill, as oathctl's next run would.
    db = sqlite3.connect(store)
    try:
        check = db.execute("PRAGMA integrity_check").fetchone()[0]
        tokens = db.execute("SELECT count(*) FROM token").fetchone()[0]
        batches = db.execute("SELECT count(*) FROM batch").fetchone()[0]
        # The import lifts the five-per-user insert trigger inside its transaction: it must be back.
        triggers = db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'").fetchone()[0]
        # An import into an empty store also drops the secondary indexes and builds them before committing.
        indexes = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")}
        if check != "ok":
            return check, tokens, batches
        if triggers != 7:
            return f"{triggers} of 7 triggers", tokens, batches
        if indexes != INDEXES:
            return f"indexes {sorted(indexes)}", tokens, batches
        return "ok", tokens, batches
    finally:
        db.close()


def remove_store(store):
    """The store file and its side files (write-ahead log, shared memory, rollback journal)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(store + suffix):
            os.remove(store + suffix)


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
    # An empty store to copy before every kill; the timing run told how long a whole import takes.
    store = env["OATHCTL_STORE"]
    remove_store(store)
    os.remove(env["OATHCTL_KEY_FILE"])
    subprocess.run([OATHCTL, "init"], env=env, check=True, capture_output=True)
    empty = os.path.join(work, "empty.sqlite")
    shutil.copyfile(store, empty)
    rng = random.Random(2026)
    failures = 0
    interrupted = 0
    for attempt in range(1, kills + 1):
        # A killed import leaves its write-ahead log beside the store: it belongs to that store, not to the copy.
        remove_store(store)
        shutil.copyfile(empty, store)
        process = subprocess.Popen([OATHCTL, "import", upload] + report, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        delay = rng.uniform(0.02, full_seconds * 0.95)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        check, tokens, batches = state(store)
        # All or nothing: no tokens and no batch, or every accepted token and its one batch.
        ok = check == "ok" and (tokens, batches) in ((0, 0), (accepted, 1))
        interrupted += 1 if tokens == 0 else 0
        print(f"kill {attempt:2d} after {delay:5.2f}s: integrity {check}, tokens {tokens}, batches {batches} -> {'ok' if ok else 'FAIL'}")
        failures += 0 if ok else 1
    rerun = subprocess.run([OATHCTL, "import", upload] + report, env=env, capture_output=True, text=True)
    check, tokens, _ = state(env["OATHCTL_STORE"])
    print(f"re-run: exit {rerun.returncode}, integrity {check}, tokens {tokens} of {accepted}")
    if failures or check != "ok" or tokens != accepted:
        sys.exit(f"faults: {failures} kill(s) left the store between states")
    print(f"faults: {kills} kills ({interrupted} before the commit), store always before or after the batch; "
          f"{rows:,} rows, whole import {full_seconds:.1f} s")


if __name__ == "__main__":
    main()
