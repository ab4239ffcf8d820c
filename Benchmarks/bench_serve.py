#!/usr/bin/env python3
"""`make bench-serve`: sign-in checks per second through `oathctl serve`, on SQLite and PostgreSQL,
beside privacyIDEA 3.14 (installed from PyPI into .build/venv-privacyidea; see privacyidea_peer.py).

For each store: a new store with TOKENS tokens (one per user) activated through the API, a verifier
API key, then wrk POSTs /api/v1/verify for a different user each request: with that user's correct
code for the current 30-second step (each code once; a run starts at a fresh step), then with wrong
codes. 1, 8 and 64 connections, DURATION_SECONDS each; requests/s, accepted/s (answers that accepted), p50, p99, errors. Then imports over the
API (10,000 and 1,000,000 generated rows), find over the million, and privacyIDEA's /token/load of
10,000. The server, wrk and PostgreSQL (fsync on) share this machine's cores. Writes
bench/serve-results.md.
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
from contextlib import contextmanager

from pg_cluster import Cluster
from privacyidea_peer import VERSION as PEER_VERSION, PrivacyIDEA

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OATHCTL = os.path.join(ROOT, ".build", "release", "oathctl")
# Enough users that no code repeats within a run at the rates measured here (a replay is not an acceptance).
TOKENS = 80_000
IMPORT_SMALL, IMPORT_LARGE = 10_000, 1_000_000
DURATION_SECONDS = 6
DURATION = f"{DURATION_SECONDS}s"
CONNECTIONS = (1, 8, 64)
# Enough for the peer's rate (a few requests per second) to see a fresh token every request.
PEER_TOKENS = 1_000


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
    with serving(env) as base:
        now = int(time.time())
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda item: request(f"{base}/tokens/S{item[0]:06d}/activate", {"code": totp(item[1], now)}, admin),
                          enumerate(secrets)))
        return runs(work, f"{base}/verify", secrets, {"Content-Type": "application/json", "Authorization": f"Bearer {verifier}"},
                    lambda i, code: json.dumps({"upn": f"user{i}@contoso.com", "code": code}))


@contextmanager
def serving(env, *options):
    """`oathctl serve` on a free loopback port for the block, once its health check answers; yields the API's URL."""
    port = free_port()
    server = subprocess.Popen([OATHCTL, "serve", "--listen", f"127.0.0.1:{port}", *options], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)


def post_file(url, path, key):
    """POSTs a token file as the body; returns (seconds, answer)."""
    with open(path, "rb") as f:
        data = f.read()
    started = time.time()
    req = urllib.request.Request(url, data=data, method="POST", headers={"Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(req, timeout=3600) as answer:
        body = json.load(answer)
    return time.time() - started, body


def measure_imports(env, work):
    """Imports over the API (10,000 and 1,000,000 rows of `make bench`'s generated file, each into a new
    SQLite store), then find over the 1,000,000 through the API. Returns rows for the table."""
    rows = []
    for count in (IMPORT_SMALL, IMPORT_LARGE):
        directory = os.path.join(work, f"import-{count}")
        os.makedirs(directory)
        upload = os.path.join(directory, "upload.csv")
        subprocess.run([sys.executable, os.path.join(ROOT, "Benchmarks", "generate_upload.py"), str(count), upload, "7"], check=True)
        store_env = dict(env, OATHCTL_STORE=os.path.join(directory, "tokens.sqlite"))
        run([OATHCTL, "init", "--use-existing-key"], store_env)
        admin = run([OATHCTL, "operator", "add", "bench-admin", "--role", "admin", "--api-key"], store_env).stdout.split()[-1]
        # Among a million tokens about five show any code in a +/-2-step window; find refuses more than
        # find.max-matches (5 by default), which a third of the runs exceed: the bench measures the scan.
        run([OATHCTL, "policy", "set", "find.max-matches", "100"], store_env)
        with serving(store_env, "--max-upload-mb", "500") as base:
            seconds, answer = post_file(f"{base}/imports?name=upload.csv", upload, admin)
            size = os.path.getsize(upload) / 1e6
            rows.append(f"| oathctl, SQLite | `POST /api/v1/imports`, {count:,} rows ({size:,.1f} MB) | {seconds:.2f} s "
                        f"({answer['stored']['added']:,} stored, {count / seconds:,.0f} rows/s) |")
            if count == IMPORT_LARGE:
                # A token of the file: its code now, found among the million.
                with open(upload) as f:
                    f.readline()
                    upn, serial, secret = f.readline().split(",")[:3]
                code = totp(base64.b32decode(secret + "=" * (-len(secret) % 8)), int(time.time()))
                started = time.time()
                found = request(f"{base}/find", {"code": code}, admin)
                seconds = time.time() - started
                named = serial in [token["serial"] for token in found]
                rows.append(f"| oathctl, SQLite | `POST /api/v1/find` over {answer['stored']['added']:,} tokens | {seconds:.2f} s "
                            f"({len(found)} match{'es' if len(found) != 1 else ''}; the token sought {'among them' if named else 'MISSING'}) |")
    return rows


def runs(work, url, secrets, headers, body):
    """wrk at each connection count, with fresh codes (each run starts at a fresh step) then wrong ones."""
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
                    f.write(body(i, code) + "\n")
            threads = min(connections, 2)
            script = os.path.join(work, "verify.lua")
            with open(script, "w") as f:
                lua_headers = ", ".join(f'["{name}"] = "{value}"' for name, value in headers.items())
                f.write(LUA.replace("BODIES", bodies).replace("HEADERS", lua_headers).replace("THREADS", str(threads)))
            out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", DURATION, "--latency",
                                  "-s", script, url], capture_output=True, text=True, check=True).stdout
            results[(kind, connections)] = parse_wrk(out)
    return results


# Thread t of T sends lines t, t + T, t + 2T, ...: every request a different user until the lines run out.
LUA = """
local bodies = {}
for line in io.lines("BODIES") do bodies[#bodies + 1] = line end
local threads = {}
function setup(thread) thread:set("id", #threads); table.insert(threads, thread) end
function init(args) counter = 0; accepted = 0 end
function request()
  local body = bodies[((counter * THREADS + id) % #bodies) + 1]
  counter = counter + 1
  return wrk.format("POST", nil, {HEADERS}, body)
end
-- An acceptance: oathctl's "accepted":true, privacyIDEA's "authentication": "ACCEPT".
function response(status, headers, body)
  if string.find(body, '"accepted":true', 1, true) or string.find(body, 'ACCEPT', 1, true) then accepted = accepted + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("accepted") end
  io.write(string.format("ACCEPTED %d\\nMAX_US %d\\nP50_US %d\\nP99_US %d\\n", total, latency.max,
                         latency:percentile(50), latency:percentile(99)))
end
"""


def parse_wrk(out):
    figures = {}
    for line in out.splitlines():
        parts = line.split()
        if line.startswith("Requests/sec:"):
            figures["rps"] = float(parts[1])
        elif parts[:1] == ["ACCEPTED"]:
            figures["accepted"] = int(parts[1]) / DURATION_SECONDS
        elif len(parts) == 2 and parts[0] in ("50%", "99%"):
            figures[parts[0]] = parts[1]
        elif "Non-2xx" in line:
            figures["non2xx"] = int(parts[-1])
        elif line.strip().startswith("Socket errors"):
            figures["socket"] = sum(int(p.strip(",")) for p in parts if p.strip(",").isdigit())
        elif "requests in" in line:
            figures["requests"] = int(parts[0])
    return figures


def prepare(prefix):
    """The release build, a work folder and an environment with a new master key in it (0600), for a bench's stores."""
    subprocess.run(["make", "-C", ROOT, "build"], check=True, stdout=subprocess.DEVNULL)
    work = tempfile.mkdtemp(prefix=prefix)
    key = os.path.join(work, "master.key")
    subprocess.run(["openssl", "rand", "-hex", "-out", key, "32"], check=True)
    os.chmod(key, 0o600)
    env = dict(os.environ, OATHCTL_KEY_FILE=key)
    env.pop("OATHCTL_NOW", None)
    return work, env


def cpu_name():
    return next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())


def write_results(name, text):
    """bench/NAME, and the same on standard output."""
    os.makedirs(os.path.join(ROOT, "bench"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", name), "w") as f:
        f.write(text)
    print(text)


def main():
    work, base_env = prepare("oathctl-bench-serve-")
    sqlite_dir = os.path.join(work, "sqlite")
    os.makedirs(sqlite_dir)
    rows = {"SQLite": measure("sqlite", dict(base_env, OATHCTL_STORE=os.path.join(sqlite_dir, "tokens.sqlite")), sqlite_dir)}
    with Cluster(ROOT, base_env) as cluster:
        pg_env = dict(cluster.env, OATHCTL_STORE=cluster.new_database("bench_serve"))
        work_pg = os.path.join(work, "postgres")
        os.makedirs(work_pg)
        rows["PostgreSQL"] = measure("postgres", pg_env, work_pg)
    # The peer, the same workload: a fresh code of a different token per request (by serial, as it checks).
    peer_dir = os.path.join(work, "privacyidea")
    os.makedirs(peer_dir)
    peer_secrets = [os.urandom(20) for _ in range(PEER_TOKENS)]
    with PrivacyIDEA(ROOT, peer_dir, free_port()) as peer:
        peer.load(peer_secrets)
        peer_rows = runs(peer_dir, f"{peer.base}/validate/check", peer_secrets, {"Content-Type": "application/x-www-form-urlencoded"},
                         lambda i, code: f"serial=P{i:06d}&pass={code}")
        load_seconds = peer.load([os.urandom(20) for _ in range(IMPORT_SMALL)], prefix="L")
    try:
        import_rows = measure_imports(base_env, os.path.join(work, "imports"))
    except (OSError, subprocess.CalledProcessError) as error:
        # The verify table above is worth keeping when an import or find fails: say so in the results instead.
        import_rows = [f"| oathctl, SQLite | imports and find over the API | FAILED: {error} |"]
    shutil.rmtree(work, ignore_errors=True)
    rows[f"privacyIDEA {PEER_VERSION} (peer)"] = peer_rows
    table = ("| server | codes | connections | requests | requests/s | accepted/s | p50 | p99 | errors | vs privacyIDEA requests/s | SQLite's requests/s over these |\n"
             "|---|---|---|---|---|---|---|---|---|---|---|\n")
    # The target "PostgreSQL within 2x of SQLite": SQLite's rate over PostgreSQL's, row by row.
    slower = {key: rows["SQLite"][key].get("rps", 0) / figures["rps"] for key, figures in rows["PostgreSQL"].items() if figures.get("rps")}
    for store, results in rows.items():
        for (kind, connections), figures in results.items():
            versus_sqlite = f"{slower[(kind, connections)]:.2f}x" if store == "PostgreSQL" and (kind, connections) in slower else ""
            peer_rps = peer_rows[(kind, connections)].get("rps", 0)
            users = PEER_TOKENS if store.startswith("privacyIDEA") else TOKENS
            codes = kind if kind == "wrong" or figures.get("requests", 0) <= users else f"fresh, then replays after {users:,}"
            ratio = f"{figures.get('rps', 0) / peer_rps:,.0f}x" if peer_rps else "n/a"
            table += (f"| {store} | {codes} | {connections} | {figures.get('requests', 0):,} | "
                      f"{figures.get('rps', 0):,.1f} | {figures.get('accepted', 0):,.1f} | {figures.get('50%', '?')} | {figures.get('99%', '?')} | "
                      f"{figures.get('non2xx', 0) + figures.get('socket', 0)} | {ratio} | {versus_sqlite} |\n")
    worst = max(slower.items(), key=lambda item: item[1], default=None)
    if worst:
        (kind, connections), factor = worst
        table += (f"\nPostgreSQL beside SQLite: SQLite answers at most {factor:.2f}x as many requests per second "
                  f"({kind} codes, {connections} connection{'s' if connections != 1 else ''}; the target is 2x or less).\n")
    cpu = cpu_name()
    text = f"""# oathctl serve: sign-in checks beside privacyIDEA

Machine: {cpu}, {os.cpu_count()} cores. Date: {datetime.date.today().isoformat()}. Command: `make bench-serve`.
Workload: POST /api/v1/verify with a verifier's API key, {TOKENS:,} users with one activated token each, a different user per
request: the correct code of the current step (each accepted once, durable before the answer), or a wrong code. wrk {DURATION}
per row; server, wrk and PostgreSQL (fsync on) share the machine. Errors: non-2xx answers and socket errors. "accepted/s" counts
the answers that accepted the code: with fresh codes, a row's requests beyond its users are replays, refused, and not counted.
The same workload with every request a first acceptance, beside the operators' work: `bench/beside-results.md`.
The peer: privacyIDEA {PEER_VERSION} from PyPI, gunicorn with 2 workers, SQLite on the same disk, {PEER_TOKENS:,} TOTP tokens
loaded through its /token/load, `POST /validate/check` with a token's serial and its code, the same rows.

{table}
## Imports and find over the API

| server | what | time |
|---|---|---|
{chr(10).join(import_rows)}
| privacyIDEA {PEER_VERSION} (peer) | `POST /token/load`, {IMPORT_SMALL:,} TOTP tokens (OATH CSV) | {load_seconds:.1f} s ({IMPORT_SMALL / load_seconds:,.0f} tokens/s) |
"""
    write_results("serve-results.md", text)


if __name__ == "__main__":
    main()
