#!/usr/bin/env python3
"""`make faults`: SIGKILL `oathctl serve` (SQLite) while clients send sign-in checks, then restart it.

Clients POST /api/v1/verify with fresh codes, each for a different user, from several threads;
the server is killed at a random moment, several times. After each restart: every code a client
saw accepted is refused when sent again (code_reused: accepted before the kill means used for
good), every accepted code has its audit row, and the store passes SQLite's integrity check.
Uses the release binary and Python's sqlite3. Usage: kill_serve.py [KILLS] [USERS]
"""
import base64
import hmac
import json
import os
import random
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OATHCTL = os.path.join(ROOT, ".build", "release", "oathctl")


def totp(secret, t, step=30):
    digest = hmac.new(secret, struct.pack(">Q", t // step), "sha1").digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def post(url, body, key, timeout=5):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        return json.load(answer)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(env, port):
    server = subprocess.Popen([OATHCTL, "serve", "--listen", f"127.0.0.1:{port}"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/healthz", timeout=1)
            return server
        except OSError:
            time.sleep(0.05)
    raise SystemExit("kill_serve: oathctl serve did not start")


def main():
    kills = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    users = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    work = tempfile.mkdtemp(prefix="oathctl-kill-serve-")
    store = os.path.join(work, "tokens.sqlite")
    env = dict(os.environ, OATHCTL_STORE=store, OATHCTL_KEY_FILE=os.path.join(work, "master.key"))
    env.pop("OATHCTL_NOW", None)
    secrets = [os.urandom(20) for _ in range(users)]
    upload = os.path.join(work, "tokens.csv")
    with open(upload, "w") as f:
        f.write("upn,serial number,secret key,time interval,manufacturer,model\n")
        for i, secret in enumerate(secrets):
            f.write(f"user{i}@contoso.com,K{i:06d},{base64.b32encode(secret).decode()},30,Contoso,Key\n")
    subprocess.run([OATHCTL, "init"], env=env, check=True, capture_output=True)
    subprocess.run([OATHCTL, "import", upload, "--report", os.path.join(work, "report.csv")], env=env, check=True, capture_output=True)
    admin = subprocess.run([OATHCTL, "operator", "add", "faults-admin", "--role", "admin", "--api-key"], env=env, check=True,
                           capture_output=True, text=True).stdout.split()[-1]
    app = subprocess.run([OATHCTL, "operator", "add", "faults-app", "--role", "verifier", "--api-key"], env=env, check=True,
                         capture_output=True, text=True).stdout.split()[-1]
    port = free_port()
    base = f"http://127.0.0.1:{port}/api/v1"
    server = start(env, port)
    now = int(time.time())
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: post(f"{base}/tokens/K{i:06d}/activate", {"code": totp(secrets[i], now)}, admin), range(users)))
    failures = 0
    for kill in range(1, kills + 1):
        # A fresh step: every user's code of this step is unused.
        time.sleep(30 - time.time() % 30 + 0.5)
        step_time = int(time.time())
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
