#!/usr/bin/env python3
"""`make faults`: two `oathctl serve` nodes on one PostgreSQL store, one SIGKILLed under load.

Run under scripts/with-postgres.sh. Each fresh code is sent to both nodes at once (a gateway that
retries on another node does the same); node A is killed at a random moment. Checked: node B keeps
answering 200 throughout; no user's code is accepted twice (by the clients' count and by the audit,
where each token has at most one `token.verify` acceptance for the step); every acceptance a client
saw has its audit row. Uses the release binary. Usage: two_nodes_postgres.py [USERS]
"""
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error

from serve_fixture import activate_all, api_keys, environment, fresh_step, free_port, post, report, start, store_with_tokens, totp

PSQL = "/usr/lib/postgresql/15/bin/psql"


def main():
    users = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    server_url = os.environ["OATHCTL_TEST_POSTGRES"]
    subprocess.run([PSQL, server_url, "-q", "-c", "DROP DATABASE IF EXISTS two_nodes", "-c", "CREATE DATABASE two_nodes"],
                   check=True, capture_output=True)
    store = server_url.rsplit("/", 1)[0] + "/two_nodes"
    work = tempfile.mkdtemp(prefix="oathctl-two-nodes-")
    env = environment(work, store)
    secrets = store_with_tokens(env, work, users, "N")
    admin, app = api_keys(env, "admin", "verifier")
    ports = [free_port(), free_port()]
    nodes = [start(env, port) for port in ports]
    bases = [f"http://127.0.0.1:{port}/api/v1" for port in ports]
    activate_all(lambda i: bases[i % 2], secrets, "N", admin)
    step_time = fresh_step()
    lock, cursor = threading.Lock(), iter(range(users))
    accepted = {}                      # user -> acceptances the clients saw, over both nodes
    survivor = {"ok": 0, "other": 0}   # node B's answers

    def ask(node, user, code):
        try:
            answer = post(f"{bases[node]}/verify", {"upn": f"user{user}@contoso.com", "code": code}, app, timeout=10)
            with lock:
                if node == 1:
                    survivor["ok"] += 1
                if answer.get("accepted"):
                    accepted[user] = accepted.get(user, 0) + 1
        except (urllib.error.URLError, OSError):
            with lock:
                if node == 1:
                    survivor["other"] += 1

    def client():
        while True:
            with lock:
                user = next(cursor, None)
            if user is None:
                return
            code = totp(secrets[user], step_time)
            both = [threading.Thread(target=ask, args=(node, user, code)) for node in (0, 1)]
            for thread in both:
                thread.start()
            for thread in both:
                thread.join()

    threads = [threading.Thread(target=client) for _ in range(6)]
    for thread in threads:
        thread.start()
    time.sleep(random.uniform(1.0, 3.0))
    nodes[0].send_signal(signal.SIGKILL)
    nodes[0].wait()
    killed_with_left = users - len(accepted)
    for thread in threads:
        thread.join()
    rows = subprocess.run([PSQL, store, "-At", "-c",
                           f"SELECT serial, count(*) FROM audit WHERE action = 'token.verify' AND at >= {step_time - 1} GROUP BY serial"],
                          check=True, capture_output=True, text=True, env=env).stdout.split()
    audited = {serial: int(count) for serial, count in (row.split("|") for row in rows)}
    twice_seen = [user for user, count in accepted.items() if count > 1]
    twice_audited = [serial for serial, count in audited.items() if count > 1]
    unaudited = [user for user in accepted if f"N{user:06d}" not in audited]
    print(f"node A killed with about {killed_with_left} of {users} users still to check")
    checks = {
        f"node B answered every request ({survivor['ok']} answered, {survivor['other']} failed)": survivor["other"] == 0 and nodes[1].poll() is None,
        f"no code accepted twice by the clients' count ({len(accepted)} users accepted, {len(twice_seen)} twice)": not twice_seen,
        f"no token with two acceptances in the audit ({len(audited)} audited, {len(twice_audited)} twice)": not twice_audited,
        f"every acceptance a client saw is audited ({len(unaudited)} missing)": not unaudited,
    }
    report(checks, nodes[1])


if __name__ == "__main__":
    main()
