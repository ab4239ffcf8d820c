#!/usr/bin/env python3
"""`make faults`: stop PostgreSQL for 10 s while clients send sign-in checks to `oathctl serve`.

Run under scripts/with-postgres.sh (its throwaway cluster). While the server is down every answer
must be 503 with Retry-After, and none may take longer than the store's lease deadline and a
margin (no hang); no 500; `serve` keeps running and answers 200 again once PostgreSQL is back,
without a restart; no code accepted before, during or after is accepted a second time.
Uses the release binary. Usage: stop_postgres.py [USERS]
"""
import itertools
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error

from serve_fixture import environment, fresh_step, post, report, serving_store, totp

PGBIN = "/usr/lib/postgresql/15/bin"
OUTAGE = 10
DEADLINE = 6.0  # the store's 3 s lease deadline plus a margin


def pg_ctl(*arguments):
    runner = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
    directory = os.environ["OATHCTL_TEST_POSTGRES_SOCKET"]
    port = os.environ["OATHCTL_TEST_POSTGRES_PORT"]
    options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c max_connections=200"
    subprocess.run(runner + [f"{PGBIN}/pg_ctl", "-D", f"{directory}/data", "-l", f"{directory}/server.log", "-w", "-t", "30",
                             "-o", options, *arguments], check=True, stdout=subprocess.DEVNULL)


def main():
    users = int(sys.argv[1]) if len(sys.argv) > 1 else 600
    base_url = os.environ["OATHCTL_TEST_POSTGRES"].rsplit("/", 1)[0]
    subprocess.run([f"{PGBIN}/psql", os.environ["OATHCTL_TEST_POSTGRES"], "-q", "-c", "DROP DATABASE IF EXISTS outage_fault",
                    "-c", "CREATE DATABASE outage_fault"], check=True, capture_output=True)
    work = tempfile.mkdtemp(prefix="oathctl-stop-postgres-")
    env = environment(work, f"{base_url}/outage_fault")
    secrets, _, app, _, base, server = serving_store(env, work, users, "P")
    step_time = fresh_step()
    answers, lock, stop = [], threading.Lock(), threading.Event()
    # Users are taken in turn, round and round: a code sent again after its acceptance must be refused.
    cursor = itertools.cycle(range(users))

    def client():
        while not stop.is_set():
            with lock:
                user = next(cursor)
            code = totp(secrets[user], step_time)
            began = time.time()
            try:
                answer = post(f"{base}/verify", {"upn": f"user{user}@contoso.com", "code": code}, app, timeout=30)
                status, retry = 200, None
            except urllib.error.HTTPError as error:
                answer, status, retry = {}, error.code, error.headers.get("Retry-After")
            except OSError:
                answer, status, retry = {}, 0, None
            with lock:
                answers.append((time.time(), time.time() - began, status, retry, user, code, answer.get("accepted", False)))
            time.sleep(0.05)

    threads = [threading.Thread(target=client) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(2)
    stopped = time.time()
    pg_ctl("stop", "-m", "fast")
    time.sleep(OUTAGE)
    # The outage ends when the start begins: the server may take connections before pg_ctl returns.
    starting = time.time()
    pg_ctl("start")
    restarted = time.time()
    time.sleep(6)
    stop.set()
    for thread in threads:
        thread.join()
    during = [a for a in answers if stopped + 0.5 < a[0] - a[1] and a[0] < starting]
    after = [a for a in answers if a[0] - a[1] > restarted + 3]
    unavailable = [a for a in during if a[2] == 503 and a[3] is not None]
    slow = [a for a in answers if a[1] > DEADLINE]
    errors = [a for a in answers if a[2] not in (200, 503)]
    accepted = [(a[4], a[5]) for a in answers if a[6]]
    again = [post(f"{base}/verify", {"upn": f"user{user}@contoso.com", "code": code}, app) for user, code in set(accepted)]
    # Accepted twice: in the run itself (a user's code taken again on a later round), or when replayed now.
    twice = len(accepted) - len(set(accepted)) + sum(1 for answer in again if answer.get("accepted"))
    alive = server.poll() is None
    checks = {
        f"during the outage every answer is 503 with Retry-After ({len(unavailable)} of {len(during)})": during and len(unavailable) == len(during),
        f"no request took over {DEADLINE} s (slowest {max(a[1] for a in answers):.2f} s)": not slow,
        f"no answer other than 200 or 503 ({len(errors)}: {sorted({a[2] for a in errors})})": not errors,
        f"serve kept running and answers 200 after the restart ({sum(a[2] == 200 for a in after)} of {len(after)})":
            alive and after and all(a[2] == 200 for a in after),
        f"no code accepted twice ({len(set(accepted))} accepted, {twice} accepted again)": not twice,
    }
    report(checks, server)


if __name__ == "__main__":
    main()
