#!/usr/bin/env python3
"""Sign-in checks beside the operators' work (`make bench-serve`, or alone: `make bench-beside`).

What a VPN sees at 9:00 on Monday: an application's sign-in checks at 8 connections while the team
works. Each store (SQLite, then PostgreSQL on a throwaway cluster with fsync on) holds 1,000,000
tokens in stock plus USERS activated users. Every request is a first acceptance: a different user's
correct code for the current 30-second step (each phase starts at a fresh step), so "accepted/s"
counts answers that said `"accepted":true` (wrk's response() callback), never replays.

Phases, PHASE seconds of wrk each, the load started a second before wrk and kept going until it ends:
idle; 20 concurrent operator logins (right passwords, in a loop); 4 concurrent POST /find over every
token; 2 concurrent 50 MB POST /validate; one 50 MB POST /imports of 500,000 new tokens; an audit
export (GET /audit paged 10,000 at a time through 1,000,000+ entries) by 2 clients. For each:
requests/s, accepted/s, p50, p99, max, errors, and what the load got done. Writes bench/beside-results.md.

Targets (issue 24): during each load, p99 <= 50 ms, max <= 250 ms, and at least half the idle accepted/s.
"""
import base64
import datetime
import json
import os
import random
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from bench_serve import LUA, OATHCTL, ROOT, cpu_name, prepare, request, run, serving, totp, write_results
from pg_cluster import Cluster

STOCK = int(os.environ.get("BESIDE_STOCK", "1000000"))
USERS = int(os.environ.get("BESIDE_USERS", "100000"))
IMPORT_ROWS = int(os.environ.get("BESIDE_IMPORT_ROWS", "500000"))
PHASE = int(os.environ.get("BESIDE_PHASE_SECONDS", "8"))
CONNECTIONS = 8
LOGINS = 20
PASSWORD = "a bench password, long enough"


def token_file(path, prefix, count, users=False, rnd=None):
    """A clean upload-format file: serials PREFIX0.., random seeds; user i holds token i when `users`. Returns the seeds."""
    rnd = rnd or random.Random(7)
    seeds = []
    with open(path, "w") as f:
        f.write("upn,serial number,secret key,time interval,manufacturer,model\n")
        for i in range(count):
            seed = rnd.randbytes(20)
            if users:
                seeds.append(seed)
            upn = f"user{i}@contoso.com" if users else ""
            f.write(f"{upn},{prefix}{i:07d},{base64.b32encode(seed).decode().rstrip('=')},30,Contoso,Key{prefix}\n")
    return seeds


def call(method, url, key=None, body=None, data=None, timeout=600):
    """One request; (status, parsed JSON or None). Never raises for an HTTP status."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as answer:
            text = answer.read()
            return answer.status, (json.loads(text) if text[:1] in (b"{", b"[") else None)
    except urllib.error.HTTPError as error:
        return error.code, None
    except OSError:
        return 0, None


class Load:
    """Clients that repeat one operation until told to stop; counts answers by status."""

    def __init__(self, clients, operation):
        self.clients, self.operation = clients, operation
        self.stop = threading.Event()
        self.statuses = {}
        self.lock = threading.Lock()
        self.threads = []
        self.started = self.finished = 0.0

    def __enter__(self):
        self.started = time.time()
        for n in range(self.clients):
            thread = threading.Thread(target=self.loop, args=(n,), daemon=True)
            thread.start()
            self.threads.append(thread)
        return self

    def loop(self, n):
        while not self.stop.is_set():
            status = self.operation(n, self.stop)
            with self.lock:
                self.statuses[status] = self.statuses.get(status, 0) + 1

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join()
        self.finished = time.time()

    def summary(self):
        done = ", ".join(f"{count} x {status or 'no answer'}" for status, count in sorted(self.statuses.items()))
        return f"{done or 'none finished'} in {self.finished - self.started:.1f} s"


def wrk_phase(work, url, key, seeds, seconds):
    """wrk at CONNECTIONS connections for `seconds`: each request a different user's fresh code."""
    now = int(time.time())
    bodies = os.path.join(work, "bodies.txt")
    with open(bodies, "w") as f:
        for i, seed in enumerate(seeds):
            f.write(json.dumps({"upn": f"user{i}@contoso.com", "code": totp(seed, now)}, separators=(",", ":")) + "\n")
    script = os.path.join(work, "verify.lua")
    with open(script, "w") as f:
        # bench_serve's script: each request a different line, the acceptances counted, the latencies printed.
        headers = f'["Content-Type"] = "application/json", ["Authorization"] = "Bearer {key}"'
        f.write(LUA.replace("BODIES", bodies).replace("HEADERS", headers).replace("THREADS", "2"))
    out = subprocess.run(["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{seconds}s", "--timeout", "60s", "--latency", "-s", script, url],
                         capture_output=True, text=True, check=True).stdout
    return parse(out, seconds)


def parse(out, seconds):
    figures = {"errors": 0}
    for line in out.splitlines():
        parts = line.split()
        if line.startswith("Requests/sec:"):
            figures["rps"] = float(parts[1])
        elif parts[:1] == ["ACCEPTED"]:
            figures["accepted"] = int(parts[1]) / seconds
        elif parts[:1] in (["MAX_US"], ["P50_US"], ["P99_US"]):
            figures[parts[0]] = int(parts[1]) / 1000
        elif "Non-2xx" in line:
            figures["errors"] += int(parts[-1])
        elif line.strip().startswith("Socket errors"):
            figures["errors"] += sum(int(p.strip(",")) for p in parts if p.strip(",").isdigit())
    return figures


def fresh_step():
    """Waits for the start of a fresh 30-s step: every user's code of it is unused."""
    time.sleep(30 - time.time() % 30 + 0.3)


def measure(label, env, work):
    stock = os.path.join(work, "stock.csv")
    token_file(stock, "M", STOCK)
    users = os.path.join(work, "users.csv")
    seeds = token_file(users, "U", USERS, users=True, rnd=random.Random(11))
    batch = os.path.join(work, "batch.csv")
    token_file(batch, "B", IMPORT_ROWS, rnd=random.Random(13))
    run([OATHCTL, "init", "--use-existing-key"], env)
    for path in (stock, users):
        run([OATHCTL, "import", path, "--report", os.path.join(work, "report.csv")], env)
    admin = run([OATHCTL, "operator", "add", "bench-admin", "--role", "admin", "--api-key"], env).stdout.split()[-1]
    verifier = run([OATHCTL, "operator", "add", "bench-app", "--role", "verifier", "--api-key"], env).stdout.split()[-1]
    auditor = run([OATHCTL, "operator", "add", "bench-auditor", "--role", "auditor", "--api-key"], env).stdout.split()[-1]
    for n in range(LOGINS):
        run([OATHCTL, "operator", "add", f"desk{n}", "--role", "helpdesk"], env, stdin=PASSWORD + "\n")
    run([OATHCTL, "policy", "set", "find.max-matches", "100"], env)
    rows = []
    with serving(env, "--max-upload-mb", "500") as base:
        now = int(time.time())
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda item: request(f"{base}/tokens/U{item[0]:07d}/activate", {"code": totp(item[1], now)}, admin),
                          enumerate(seeds)))
        batch_bytes = open(batch, "rb").read()

        def login(n, stop):
            return call("POST", f"{base}/session", body={"name": f"desk{n}", "password": PASSWORD})[0]

        def find(n, stop):
            return call("POST", f"{base}/find", admin, body={"code": f"{random.randrange(1_000_000):06d}"})[0]

        def validate(n, stop):
            return call("POST", f"{base}/validate?name=batch.csv", admin, data=batch_bytes)[0]

        imported = []

        def import_once(n, stop):
            status, answer = call("POST", f"{base}/imports?name=batch.csv", admin, data=batch_bytes)
            imported.append((status, (answer or {}).get("stored", {}).get("added")))
            stop.wait()
            return status

        def audit_export(n, stop):
            after, entries = 0, 0
            while not stop.is_set():
                status, page = call("GET", f"{base}/audit?limit=10000&after={after}", auditor)
                if status != 200 or not page:
                    break
                entries += len(page)
                after = page[-1]["id"]
            return f"{status} after {entries:,} entries"

        phases = [("nothing (idle)", None),
                  (f"{LOGINS} concurrent operator logins, in a loop", Load(LOGINS, login)),
                  ("4 concurrent `POST /find` over every token, in a loop", Load(4, find)),
                  ("2 concurrent 50 MB `POST /validate`, in a loop", Load(2, validate)),
                  (f"one `POST /imports` of {IMPORT_ROWS:,} new tokens", Load(1, import_once)),
                  ("an audit export (`GET /audit`, 10,000 a page) by 2 clients", Load(2, audit_export))]
        # BESIDE_PHASES=idle,import (words of the rows' names) runs only those rows, to try one change quickly.
        chosen = [word for word in os.environ.get("BESIDE_PHASES", "").split(",") if word]
        if chosen:
            phases = [(name, load) for name, load in phases if any(word in name for word in chosen)]
        for name, load in phases:
            fresh_step()
            if load is None:
                figures = wrk_phase(work, f"{base}/verify", verifier, seeds, PHASE)
                done = ""
            else:
                with load:
                    time.sleep(1)
                    figures = wrk_phase(work, f"{base}/verify", verifier, seeds, PHASE)
                done = load.summary()
                if imported and load.operation is import_once:
                    done += f"; the import answered {imported[0][0]}, {imported[0][1]:,} stored" if imported[0][1] else ""
            rows.append((name, figures, done))
            print(label, name, figures, done, flush=True)
    return rows


def table(store, rows):
    idle = rows[0][1].get("accepted", 0)
    text = ("| beside | requests/s | accepted/s | of idle | p50 | p99 | max | errors | what the load got done |\n"
            "|---|---|---|---|---|---|---|---|---|\n")
    for name, figures, done in rows:
        accepted = figures.get("accepted", 0)
        share = f"{accepted / idle:.0%}" if idle else "n/a"
        text += (f"| {name} | {figures.get('rps', 0):,.0f} | {accepted:,.0f} | {share} | {figures.get('P50_US', 0):.1f} ms | "
                 f"{figures.get('P99_US', 0):.1f} ms | {figures.get('MAX_US', 0):.0f} ms | {figures['errors']} | {done} |\n")
    return f"### {store}\n\n{text}"


def main():
    stores = sys.argv[1:] or ["sqlite", "postgres"]
    work, base_env = prepare("oathctl-bench-beside-")
    sections = []
    if "sqlite" in stores:
        directory = os.path.join(work, "sqlite")
        os.makedirs(directory)
        sections.append(table("SQLite", measure("sqlite", dict(base_env, OATHCTL_STORE=os.path.join(directory, "tokens.sqlite")), directory)))
    if "postgres" in stores:
        with Cluster(ROOT, base_env) as cluster:
            directory = os.path.join(work, "postgres")
            os.makedirs(directory)
            env = dict(cluster.env, OATHCTL_STORE=cluster.new_database("bench_beside"))
            sections.append(table("PostgreSQL (fsync on)", measure("postgres", env, directory)))
    subprocess.run(["rm", "-rf", work])
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    cpu = cpu_name()
    text = f"""# oathctl serve: sign-in checks beside the operators' work

Machine: {cpu}, {os.cpu_count()} cores. Date: {datetime.date.today().isoformat()}. Commit: {commit}. Command: `make bench-beside`
(also part of `make bench-serve`).
Workload: `POST /api/v1/verify` at {CONNECTIONS} connections (wrk, {PHASE} s a row), {USERS:,} activated users, each request a
different user's fresh code, so each is a first acceptance, durable before its answer; the store also holds {STOCK:,} tokens in
stock and their audit entries. Each row's load starts a second before wrk and runs until wrk ends (the import runs to its end).
"accepted/s" counts answers with `"accepted":true`; "of idle" is that over the idle row's. Errors: non-2xx answers and socket
errors of the sign-in checks (wrk waits up to 60 s for an answer, so a stalled check counts in max). Targets: p99 <= 50 ms, max <= 250 ms, at least 50% of idle.

{chr(10).join(sections)}"""
    write_results("beside-results.md", text)


if __name__ == "__main__":
    main()
