#!/usr/bin/env python3
"""`make faults`: SIGKILL `oathctl serve` (SQLite) while clients send sign-in checks, then restart it.

Clients POST /api/v1/verify with fresh codes, each for a different user, from several threads;
the server is killed at a random moment, several times. After each restart: every code a client
saw accepted is refused when sent again (code_reused: accepted before the kill means used for
good), every accepted code has its audit row, and the store passes SQLite's integrity check.
Uses the release binary and Python's sqlite3. Usage: kill_serve.py [KILLS] [USERS]
"""
import os
import random
import signal
import sqlite3
import sys
import tempfile
import threading
import time
import urllib.error

from serve_fixture import environment, fresh_step, post, serving_store, start, totp

def main():
    kills = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    users = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    work = tempfile.mkdtemp(prefix="oathctl-kill-serve-")
    store = os.path.join(work, "tokens.sqlite")
    env = environment(work, store)
    secrets, _, app, port, base, server = serving_store(env, work, users, "K")
    failures = 0
    for kill in range(1, kills + 1):
        step_time = fresh_step()
        accepted, lock, stop = [], threading.Lock(), threading.Event()
        order = list(range(users))
        random.shuffle(order)
        cursor = iter(order)

        def client():
            while not stop.is_set():
                with lock:
                    user = next(cursor, None)
                if user is None:
                    return
                code = totp(secrets[user], step_time)
                try:
                    answer = post(f"{base}/verify", {"upn": f"user{user}@contoso.com", "code": code}, app)
                except (OSError, urllib.error.URLError):
                    return  # the server is gone
                if answer.get("accepted"):
                    with lock:
                        accepted.append((user, code))

        threads = [threading.Thread(target=client) for _ in range(8)]
        for thread in threads:
            thread.start()
        time.sleep(random.uniform(0.5, 3.0))
        server.send_signal(signal.SIGKILL)
        server.wait()
        stop.set()
        for thread in threads:
            thread.join()
        server = start(env, port)
        again = [post(f"{base}/verify", {"upn": f"user{user}@contoso.com", "code": code}, app) for user, code in accepted]
        replayed = [answer for answer in again if answer.get("accepted")]
        db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        rows = {serial for (serial,) in db.execute(
            "SELECT serial FROM audit WHERE action = 'token.verify' AND at >= ?", (step_time - 1,))}
        db.close()
        missing = [user for user, _ in accepted if f"K{user:06d}" not in rows]
        ok = not replayed and not missing and integrity == "ok"
        failures += not ok
        print(f"kill {kill}: {len(accepted)} codes accepted before the kill; after restart {len(replayed)} accepted again, "
              f"{len(missing)} without an audit row, integrity {integrity}: {'ok' if ok else 'FAILED'}")
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=20)
    print(f"kill_serve: {kills - failures} of {kills} kills left no accepted code usable again and no acceptance unaudited")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
