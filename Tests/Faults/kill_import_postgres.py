#!/usr/bin/env python3
"""`make faults`, PostgreSQL: SIGKILL `oathctl import` into a PostgreSQL store at random points.

Run under scripts/with-postgres.sh (which exports OATHCTL_TEST_POSTGRES and PGPASSWORD). Every kill
hits a new, empty store in its own database. After it the store must hold all of the batch or none
of it (no token, no batch, no audit entry of the batch), and the next import must complete.
Usage: kill_import_postgres.py [KILLS] [ROWS]
"""
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlparse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OATHCTL = os.path.join(ROOT, ".build", "release", "oathctl")
URL = urlparse(os.environ["OATHCTL_TEST_POSTGRES"])


def psql(database, sql):
    out = subprocess.run(["psql", "-h", URL.hostname, "-p", str(URL.port), "-U", URL.username, "-d", database, "-Atc", sql],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def new_store(name, env):
    psql("oathctl_test", f"CREATE DATABASE {name}")
    store = f"postgres://{URL.username}@{URL.hostname}:{URL.port}/{name}"
    subprocess.run([OATHCTL, "init", "--use-existing-key"], env=dict(env, OATHCTL_STORE=store), check=True, capture_output=True)
    return store


def counts(name):
    return tuple(int(psql(name, f"SELECT count(*) FROM {table}")) for table in ("token", "batch", "audit"))


def main():
    kills = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    work = tempfile.mkdtemp(prefix="oathctl-faults-pg-")
    upload = os.path.join(work, "upload.csv")
    subprocess.run([sys.executable, os.path.join(ROOT, "Benchmarks", "generate_upload.py"), str(rows), upload, "7"], check=True)
    key = os.path.join(work, "master.key")
    subprocess.run(["openssl", "rand", "-hex", "-out", key, "32"], check=True)
    os.chmod(key, 0o600)
    env = dict(os.environ, OATHCTL_KEY_FILE=key)
    report = ["--report", os.path.join(work, "report.csv")]
    full = new_store("faults_full", env)
    start = time.time()
    subprocess.run([OATHCTL, "import", upload] + report, env=dict(env, OATHCTL_STORE=full), capture_output=True)
    full_seconds = time.time() - start
    accepted, _, audit = counts("faults_full")
    rng = random.Random(2026)
    failures = 0
    for attempt in range(1, kills + 1):
        name = f"faults_{attempt}"
        store = new_store(name, env)
        before = counts(name)
        process = subprocess.Popen([OATHCTL, "import", upload] + report, env=dict(env, OATHCTL_STORE=store),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        delay = rng.uniform(0.05, full_seconds * 0.95)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        # The server notices the closed connection and rolls the transaction back; wait until it has.
        for _ in range(100):
            if psql(name, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()") == "0":
                break
            time.sleep(0.1)
        after = counts(name)
        ok = after in (before, (accepted, 1, audit))
        print(f"kill {attempt:2} after {delay:5.2f}s: tokens {after[0]}, batches {after[1]}, audit {after[2]} -> {'ok' if ok else 'BROKEN'}")
        failures += 0 if ok else 1
    rerun = subprocess.run([OATHCTL, "import", upload] + report, env=dict(env, OATHCTL_STORE=store), capture_output=True)
    final = counts(name)
    print(f"re-run: exit {rerun.returncode}, tokens {final[0]} of {accepted}")
    if final[0] != accepted:
        failures += 1
    print(f"faults (PostgreSQL): {kills} kills, store always before or after the batch; {rows:,} rows, whole import {full_seconds:.1f} s"
          if failures == 0 else f"faults (PostgreSQL): {failures} FAILED")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
