#!/usr/bin/env python3
"""`make faults`: SIGKILL `oathctl serve` (SQLite) while it imports a file through POST /api/v1/imports.

The server's import is staged (pieces committed beside sign-in checks, the batch hidden until it is
published). Each kill must land while the batch is pending (seen in the store's pending_batch table);
after it the store, as every reader sees it, is as before the import; the next start removes the hidden
rows and the lock file, the store passes its integrity check, and the same file then imports whole.

Usage: kill_serve_import.py [KILLS] [ROWS]
"""
import base64
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from serve_fixture import OATHCTL, api_keys, environment, free_port, start


def counts(store):
    db = sqlite3.connect(store, timeout=30)
    try:
        return {"tokens": db.execute("SELECT count(*) FROM token").fetchone()[0],
                "batches": db.execute("SELECT count(*) FROM batch").fetchone()[0],
                "audit": db.execute("SELECT count(*) FROM audit").fetchone()[0],
                "pending": db.execute("SELECT count(*) FROM pending_batch").fetchone()[0],
                "check": db.execute("PRAGMA integrity_check").fetchone()[0]}
    finally:
        db.close()


def pending(store):
    db = sqlite3.connect(store, timeout=30)
    try:
        return db.execute("SELECT count(*) FROM pending_batch").fetchone()[0]
    finally:
        db.close()


def upload(base, path, key, outcome):
    request = urllib.request.Request(f"{base}/imports?name=big.csv", data=open(path, "rb").read(), method="POST",
                                     headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(request, timeout=600) as answer:
            outcome.append(answer.status)
    except Exception as error:  # the kill cuts the connection: that is the point
        outcome.append(type(error).__name__)


def main():
    kills = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    work = tempfile.mkdtemp(prefix="oathctl-kill-serve-import-")
    store = os.path.join(work, "tokens.sqlite")
    env = environment(work, store)
    subprocess.run([OATHCTL, "init"], env=env, check=True, capture_output=True)
    (admin,) = api_keys(env, "admin")
    path = os.path.join(work, "big.csv")
    with open(path, "w") as f:
        f.write("upn,serial number,secret key,time interval,manufacturer,model\n")
        for i in range(rows):
            f.write(f"user{i // 3}@contoso.com,K{i:07d},{base64.b32encode(os.urandom(20)).decode()},30,Contoso,Key\n")
    before = counts(store)
    failures = []
    for n in range(kills):
        port = free_port()
        server = start(env, port, "--max-upload-mb", "500")
        outcome = []
        thread = threading.Thread(target=upload, args=(f"http://127.0.0.1:{port}/api/v1", path, admin, outcome))
        thread.start()
        # Wait until the batch is pending, then a random moment more.
        deadline = time.time() + 60
        while pending(store) == 0 and time.time() < deadline and thread.is_alive():
            time.sleep(0.01)
        landed = pending(store) > 0
        time.sleep(random.uniform(0, 0.5))
        still_pending = pending(store) > 0
        server.kill()
        server.wait()
        thread.join()
        if not landed or not still_pending:
            failures.append(f"kill {n + 1}: the import was not pending when killed (answer {outcome})")
            continue
        # Hidden meanwhile: the lock file is gone with the process; the next start removes the rows.
        server = start(env, free_port())
        server.terminate()
        server.wait()
        after = counts(store)
        if {k: after[k] for k in ("tokens", "batches", "pending")} != {k: before[k] for k in ("tokens", "batches", "pending")} \
                or after["check"] != "ok" or after["audit"] < before["audit"]:
            failures.append(f"kill {n + 1}: the store is {after}, not as before {before}")
        locks = [name for name in os.listdir(work) if name.endswith(".lock")]
        if locks:
            failures.append(f"kill {n + 1}: lock files left: {locks}")
        before = counts(store)
        print(f"kill {n + 1}: landed while pending; store as before ({after['tokens']} tokens, {after['batches']} batches)", flush=True)
    # The same file now imports whole.
    port = free_port()
    server = start(env, port, "--max-upload-mb", "500")
    outcome = []
    upload(f"http://127.0.0.1:{port}/api/v1", path, admin, outcome)
    server.terminate()
    server.wait()
    final = counts(store)
    if outcome != [201] or final["tokens"] != rows or final["pending"] != 0:
        failures.append(f"the import after the kills answered {outcome} and left {final}")
    shutil.rmtree(work, ignore_errors=True)
    print(f"{kills - len([f for f in failures if f.startswith('kill')])} passed, {len(failures)} failed")
    for failure in failures:
        print("FAIL:", failure)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
