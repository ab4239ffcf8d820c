#!/usr/bin/env python3
"""`make faults`: the disk holding an SQLite store fills up during an import through `oathctl serve`.

The store lives on a small tmpfs mounted for the run (so this needs root), beside a ballast file.
A large import over the API runs out of room while sign-in checks keep arriving. Checked: the
import's answer is 507 `store_full` in words; the store keeps every token and batch it had and
passes its integrity check; every sign-in check sent meanwhile is answered and its fresh code
accepted, with its audit row; once the ballast is deleted (space freed), an import succeeds
without restarting `serve`.
Usage: disk_full.py [ROWS]
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

from serve_fixture import ROOT, environment, fresh_step, post, report, serving_store, totp

DISK_MB, BALLAST_MB, USERS = 24, 6, 40


def upload(base, path, key):
    """POSTs a token file to /imports; returns (status, JSON answer)."""
    with open(path, "rb") as f:
        request = urllib.request.Request(f"{base}/imports?name={os.path.basename(path)}", data=f.read(), method="POST",
                                         headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(request, timeout=300) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def counts(store):
    """Tokens, batches and audit rows as every reader sees them (a staged import's pending batch is
    hidden until published, and removed by the next import or start), the integrity check, and the
    pending batches, read beside the running server."""
    db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        return tuple(db.execute(sql).fetchone()[0] for sql in (
            "SELECT count(*) FROM token WHERE batch_id IS NULL OR batch_id NOT IN (SELECT batch_id FROM pending_batch)",
            "SELECT count(*) FROM batch WHERE id NOT IN (SELECT batch_id FROM pending_batch)",
            "SELECT count(*) FROM audit a WHERE NOT EXISTS "
            "(SELECT 1 FROM pending_batch p WHERE a.id > p.first_audit_id AND a.request_id IS p.request_id)",
            "PRAGMA integrity_check", "SELECT count(*) FROM pending_batch"))
    finally:
        db.close()


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 300_000
    if os.geteuid() != 0:
        sys.exit("disk_full: needs root, to mount a small tmpfs for the store")
    work = tempfile.mkdtemp(prefix="oathctl-diskfull-")
    disk = os.path.join(work, "disk")
    os.makedirs(disk)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_MB}m,mode=0700", "tmpfs", disk], check=True)
    server = None
    checks = {}
    try:
        ballast = os.path.join(disk, "ballast")
        with open(ballast, "wb") as f:
            f.write(b"\0" * (BALLAST_MB << 20))
        store = os.path.join(disk, "tokens.sqlite")
        # The key and the upload spool stay off the small disk: only the store runs out of room.
        env = dict(environment(work, store), TMPDIR=work)
        big = os.path.join(work, "big.csv")
        subprocess.run([sys.executable, os.path.join(ROOT, "Benchmarks", "generate_upload.py"), str(rows), big, "11"], check=True)
        secrets, admin, verifier, _, base, server = serving_store(env, work, USERS, "D", "--max-upload-mb", "500")
        before = counts(store)
        now = fresh_step()

        # Sign-in checks, one user every 50 ms, for as long as the import runs (and a little after).
        answers = []

        def sign_ins():
            for i in range(USERS):
                started = time.time()
                try:
                    answers.append((post(f"{base}/verify", {"upn": f"user{i}@contoso.com", "code": totp(secrets[i], now)}, verifier,
                                         timeout=30), time.time() - started))
                except OSError as error:
                    answers.append(({"error": str(error)}, time.time() - started))
                time.sleep(0.05)
        checker = threading.Thread(target=sign_ins)
        checker.start()
        started = time.time()
        status, answer = upload(base, big, admin)
        import_seconds = time.time() - started
        checker.join()
        after = counts(store)

        error = answer.get("error", {})
        accepted = sum(1 for a, _ in answers if a.get("accepted") is True)
        slowest = max(seconds for _, seconds in answers)
        checks[f"the import is refused 507 store_full after {import_seconds:.1f} s: {status} {error.get('code')}: {error.get('message')}"] = \
            status == 507 and error.get("code") == "store_full"
        checks[f"the store keeps its tokens and batches (before {before[:2]}, after {after[:2]})"] = after[:2] == before[:2]
        checks[f"the store passes its integrity check ({after[3]})"] = after[3] == "ok"
        checks[f"every sign-in check meanwhile was answered and accepted ({accepted} of {USERS}, slowest {slowest:.2f} s)"] = \
            accepted == USERS
        checks[f"each acceptance has its audit row and the import left none ({after[2] - before[2]} new rows)"] = \
            after[2] == before[2] + accepted

        os.remove(ballast)
        small = os.path.join(work, "small.csv")
        subprocess.run([sys.executable, os.path.join(ROOT, "Benchmarks", "generate_upload.py"), "5000", small, "12"], check=True)
        status, answer = upload(base, small, admin)
        stored = answer.get("stored", {})
        checks[f"with space freed an import succeeds without a restart ({status}, {stored.get('added')} added)"] = \
            status == 201 and stored.get("committed") is True
        final = counts(store)
        checks[f"no batch is left pending, and the store passes its check ({final[4]} pending, {final[3]})"] = \
            final[4] == 0 and final[3] == "ok"
        checks["serve kept running"] = server.poll() is None
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        subprocess.run(["umount", disk], check=False)
        shutil.rmtree(work, ignore_errors=True)
    report(checks)
    print(f"disk_full: a full disk during a {rows:,}-row import left the store as it was and the server answering")


if __name__ == "__main__":
    main()
