#!/usr/bin/env python3
"""`make faults`: hostile clients against `oathctl serve` (SQLite) while an honest one keeps checking.

1,000 slow connections sending a byte a second, a request with 1 MB of headers, an upload past
the limit, JSON nested 100,000 deep (and 30,000 deep, under the body limit), and 10,000 bad logins
for one operator from one address. Meanwhile an application sends sign-in checks; its p99 must stay
within 5x of its p99 before the attack (and under 250 ms), nothing may crash, the operator must be
locked as the policy says (login.threshold) and the address throttled (429 with Retry-After).
Uses the release binary. Usage: hostile_clients.py
"""
import json
import os
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

from serve_fixture import OATHCTL, api_keys, environment, free_port, post, report, start

SLOW = 1_000


def p99(samples):
    ordered = sorted(samples)
    return ordered[int(len(ordered) * 0.99) - 1] if ordered else 0


def honest(base, key, until, samples):
    """Sign-in checks (a wrong code for a user that exists), timing each answer."""
    while time.time() < until:
        began = time.time()
        try:
            post(f"{base}/verify", {"upn": "user0@contoso.com", "code": "000000"}, key)
        except urllib.error.HTTPError as error:
            if error.code != 429:
                raise
        samples.append(time.time() - began)
        time.sleep(0.02)


def raw(port, data):
    """Sends bytes on a new connection; the start of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(data)
        return s.recv(200)


def main():
    work = tempfile.mkdtemp(prefix="oathctl-hostile-")
    env = environment(work, os.path.join(work, "tokens.sqlite"))
    subprocess.run([OATHCTL, "init"], env=env, check=True, capture_output=True)
    subprocess.run([OATHCTL, "operator", "add", "victim", "--role", "helpdesk"], env=env, input="a long enough password\n",
                   check=True, capture_output=True, text=True)
    key, admin = api_keys(env, "verifier", "admin")
    port = free_port()
    base = f"http://127.0.0.1:{port}/api/v1"
    server = start(env, port, "--max-upload-mb", "1")
    before = []
    honest(base, key, time.time() + 5, before)

    results = {}
    # 1,000 slow connections, a byte a second each.
    slow = []
    for _ in range(SLOW):
        s = socket.create_connection(("127.0.0.1", port))
        s.setblocking(False)
        slow.append(s)
    stop = threading.Event()

    def trickle():
        request = b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Slow: " + b"a" * 120
        sent = 0
        while not stop.is_set() and sent < len(request):
            for s in slow:
                try:
                    s.send(request[sent:sent + 1])
                except OSError:
                    pass
            sent += 1
            stop.wait(1)

    trickler = threading.Thread(target=trickle)
    trickler.start()
    during = []
    checker = threading.Thread(target=honest, args=(base, key, time.time() + 25, during))
    checker.start()
    time.sleep(2)

    answer = raw(port, b"GET /api/v1/healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n")
    results["1 MB of headers is refused (4xx)"] = answer.startswith(b"HTTP/1.1 4")
    big = b"upn,serial number,secret key,time interval,manufacturer,model\n" + b"x" * (2 << 20)
    request = urllib.request.Request(f"{base}/validate", data=big, method="POST",
                                     headers={"Authorization": f"Bearer {admin}"})
    try:
        urllib.request.urlopen(request, timeout=10)
        results["an upload past --max-upload-mb is 413"] = False
    except urllib.error.HTTPError as error:
        results["an upload past --max-upload-mb is 413"] = error.code == 413
    except OSError:
        results["an upload past --max-upload-mb is 413"] = False
    for depth, wanted in ((100_000, 413), (30_000, 400)):
        body = b"[" * depth + b"]" * depth
        try:
            urllib.request.urlopen(urllib.request.Request(f"{base}/session", data=body, method="POST",
                                                          headers={"Content-Type": "application/json"}), timeout=10)
            results[f"JSON nested {depth:,} deep is {wanted}"] = False
        except urllib.error.HTTPError as error:
            results[f"JSON nested {depth:,} deep is {wanted}"] = error.code == wanted
    statuses = {}
    retry_after = None
    for attempt in range(10_000):
        try:
            urllib.request.urlopen(urllib.request.Request(
                f"{base}/session", data=json.dumps({"name": "victim", "password": f"wrong password {attempt}"}).encode(),
                method="POST", headers={"Content-Type": "application/json"}), timeout=10)
            statuses[200] = statuses.get(200, 0) + 1
        except urllib.error.HTTPError as error:
            statuses[error.code] = statuses.get(error.code, 0) + 1
            retry_after = retry_after or error.headers.get("Retry-After")
    results[f"10,000 bad logins: {statuses}; throttled with Retry-After"] = statuses.get(429, 0) > 9_000 and retry_after is not None \
        and 200 not in statuses
    checker.join()
    stop.set()
    trickler.join()
    for s in slow:
        s.close()
    listed = subprocess.run([OATHCTL, "operator", "list", "--format", "json"], env=env, capture_output=True, text=True).stdout
    victim = next(o for o in json.loads(listed) if o["name"] == "victim")
    results["the operator is locked (login.threshold)"] = victim.get("lockedUntil") is not None
    results["serve is still running"] = server.poll() is None
    baseline, attacked = p99(before), p99(during)
    results[f"the honest client's p99: {baseline * 1000:.1f} ms before, {attacked * 1000:.1f} ms during ({len(during)} checks)"] = \
        attacked <= max(5 * baseline, 0.05) and attacked < 0.25
    report(results, server)


if __name__ == "__main__":
    main()
