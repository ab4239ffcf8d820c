#!/usr/bin/env python3
"""`make bench-serve`: sign-in checks per second through `oathctl serve`, on SQLite and PostgreSQL.

For each store: a new store with TOKENS tokens (one per user) activated through the API, a verifier
API key, then wrk POSTs /api/v1/verify for a different user each request: with that user's correct
code for the current 30-second step (each code once; a run starts at a fresh step), then with wrong
codes. 1, 8 and 64 connections, 20 s each; requests/s, p50, p99 and errors. The server, wrk and
PostgreSQL (fsync on) share this machine's cores. Writes bench/serve-results.md.
"""
import base64
import datetime
import hmac
import json
import os
import platform
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from pg_cluster import Cluster

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OATHCTL = os.path.join(ROOT, ".build", "release", "oathctl")
TOKENS = 40_000
DURATION = "20s"
CONNECTIONS = (1, 8, 64)
PEER = "privacyIDEA 3.14, gunicorn 2 workers, SQLite on disk (../shared/SERVER-NOTES.md, measured on this kind of machine)"
# requests/s, p50, p99 at 1 and 8 clients; at 64 the 8-client rate is the most it was seen to do.
PEER_FIGURES = {1: (6.8, "140-190 ms", "0.3-2 s"), 8: (5.8, "1.3-1.4 s", "1.8-2 s"), 64: (5.8, "not measured", "not measured")}


def totp(secret, t, step=30):
    counter = struct.pack(">Q", t // step)
    digest = hmac.new(secret, counter, "sha1").digest()
    offset = digest[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd, env, stdin=None):
    return subprocess.run(cmd, env=env, input=stdin, capture_output=True, text=True, check=True)


def request(url, body, key):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(req) as answer:
        return json.load(answer)


def measure(label, env, work):
    secrets = [os.urandom(20) for _ in range(TOKENS)]
    upload = os.path.join(work, "tokens.csv")
    with open(upload, "w") as f:
        f.write("upn,serial number,secret key,time interval,manufacturer,model\n")
        for i, secret in enumerate(secrets):
            f.write(f"user{i}@contoso.com,S{i:06d},{base64.b32encode(secret).decode().rstrip('=')},30,Contoso,Key\n")
    run([OATHCTL, "init", "--use-existing-key"], env)
    run([OATHCTL, "import", upload, "--report", os.path.join(work, "report.csv")], env)
    admin = run([OATHCTL, "operator", "add", "bench-admin", "--role", "admin", "--api-key"], env).stdout.split()[-1]
    verifier = run([OATHCTL, "operator", "add", "bench-app", "--role", "verifier", "--api-key"], env).stdout.split()[-1]
    port = free_port()
    server = subprocess.Popen([OATHCTL, "serve", "--listen", f"127.0.0.1:{port}"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        now = int(time.time())
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda item: request(f"{base}/tokens/S{item[0]:06d}/activate", {"code": totp(item[1], now)}, admin),
                          enumerate(secrets)))
        results = {}
        for kind in ("fresh", "wrong"):
            for connections in CONNECTIONS:
                if kind == "fresh":
                    # Wait for a fresh step: the last run used this one's codes (a replay would be refused).
                    time.sleep(30 - time.time() % 30 + 0.5)
                now = int(time.time())
                bodies = os.path.join(work, "bodies.txt")
                with open(bodies, "w") as f:
                    for i, secret in enumerate(secrets):
                        code = totp(secret, now) if kind == "fresh" else f"{(int(totp(secret, now)) + 500_000) % 1_000_000:06d}"
                        f.write(json.dumps({"upn": f"user{i}@contoso.com", "code": code}) + "\n")
                script = os.path.join(work, "verify.lua")
                with open(script, "w") as f:
                    f.write(LUA.replace("BODIES", bodies).replace("KEY", verifier))
                out = subprocess.run(["wrk", "-t", str(min(connections, 2)), "-c", str(connections), "-d", DURATION, "--latency",
                                      "-s", script, f"{base}/verify"], capture_output=True, text=True, check=True).stdout
                results[(kind, connections)] = parse_wrk(out)
        return results
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)


LUA = """
local bodies = {}
for line in io.lines("BODIES") do bodies[#bodies + 1] = line end
local counter = 0
local threads = 0
function setup(thread) thread:set("offset", threads * 1000003); threads = threads + 1 end
function request()
  counter = counter + 1
  local body = bodies[((offset + counter) % #bodies) + 1]
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = "Bearer KEY"}, body)
end
"""


def parse_wrk(out):
    figures = {}
    for line in out.splitlines():
        parts = line.split()
        if line.startswith("Requests/sec:"):
            figures["rps"] = float(parts[1])
        elif len(parts) == 2 and parts[0] in ("50%", "99%"):
            figures[parts[0]] = parts[1]
        elif "Non-2xx" in line:
            figures["non2xx"] = int(parts[-1])
        elif line.strip().startswith("Socket errors"):
            figures["socket"] = sum(int(p.strip(",")) for p in parts if p.strip(",").isdigit())
        elif "requests in" in line:
            figures["requests"] = int(parts[0])
    return figures


def main():
    subprocess.run(["make", "-C", ROOT, "build"], check=True, stdout=subprocess.DEVNULL)
    work = tempfile.mkdtemp(prefix="oathctl-bench-serve-")
    key = os.path.join(work, "master.key")
    subprocess.run(["openssl", "rand", "-hex", "-out", key, "32"], check=True)
    os.chmod(key, 0o600)
    base_env = dict(os.environ, OATHCTL_KEY_FILE=key)
    base_env.pop("OATHCTL_NOW", None)
    sqlite_dir = os.path.join(work, "sqlite")
    os.makedirs(sqlite_dir)
    rows = {"SQLite": measure("sqlite", dict(base_env, OATHCTL_STORE=os.path.join(sqlite_dir, "tokens.sqlite")), sqlite_dir)}
    with Cluster(ROOT, base_env) as cluster:
        pg_env = dict(cluster.env, OATHCTL_STORE=cluster.new_database("bench_serve"))
        work_pg = os.path.join(work, "postgres")
        os.makedirs(work_pg)
        rows["PostgreSQL"] = measure("postgres", pg_env, work_pg)
    shutil.rmtree(work, ignore_errors=True)
    table = ("| store | codes | connections | requests | requests/s | p50 | p99 | errors | vs peer requests/s |\n"
             "|---|---|---|---|---|---|---|---|---|\n")
    for store, results in rows.items():
        for (kind, connections), figures in results.items():
            peer = PEER_FIGURES[connections][0]
            fresh = "fresh" if kind == "wrong" or figures.get("requests", 0) <= TOKENS else f"fresh, then replays after {TOKENS:,}"
            table += (f"| {store} | {fresh if kind == 'fresh' else 'wrong'} | {connections} | {figures.get('requests', 0):,} | "
                      f"{figures.get('rps', 0):,.0f} | {figures.get('50%', '?')} | {figures.get('99%', '?')} | "
                      f"{figures.get('non2xx', 0) + figures.get('socket', 0)} | {figures.get('rps', 0) / peer:,.0f}x |\n")
    peer_rows = "".join(f"| {c} | {p[0]} | {p[1]} | {p[2]} |\n" for c, p in PEER_FIGURES.items())
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    text = f"""# oathctl serve: sign-in checks

Machine: {cpu}, {os.cpu_count()} cores. Date: {datetime.date.today().isoformat()}. Command: `make bench-serve`.
Workload: POST /api/v1/verify with a verifier's API key, {TOKENS:,} users with one activated token each, a different user per
request: the correct code of the current step (each accepted once, durable before the answer), or a wrong code. wrk {DURATION}
per row; server, wrk and PostgreSQL (fsync on) share the machine. Errors: non-2xx answers and socket errors.

{table}
Peer, not re-measured here: {PEER}:

| clients | requests/s | p50 | p99 |
|---|---|---|---|
{peer_rows}"""
    os.makedirs(os.path.join(ROOT, "bench"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "serve-results.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
