"""What the server fault scripts share: the release binary, a store with one TOTP token per user,
API keys, a running `oathctl serve`, activation, and codes (RFC 6238, computed here)."""
import atexit
import base64
import hmac
import json
import os
import socket
import struct
import subprocess
import sys
import time
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


def environment(work, store):
    """The variables that point oathctl at `store` and a key file in `work`."""
    env = dict(os.environ, OATHCTL_STORE=store, OATHCTL_KEY_FILE=os.path.join(work, "master.key"))
    env.pop("OATHCTL_NOW", None)
    return env


def store_with_tokens(env, work, users, prefix):
    """`oathctl init`, then an import of one token (serial PREFIX000000, ...) per user; returns the seeds."""
    secrets = [os.urandom(20) for _ in range(users)]
    upload = os.path.join(work, "tokens.csv")
    with open(upload, "w") as f:
        f.write("upn,serial number,secret key,time interval,manufacturer,model\n")
        for i, secret in enumerate(secrets):
            f.write(f"user{i}@contoso.com,{prefix}{i:06d},{base64.b32encode(secret).decode()},30,Contoso,Key\n")
    for command in (["init"], ["import", upload, "--report", os.path.join(work, "report.csv")]):
        subprocess.run([OATHCTL] + command, env=env, check=True, capture_output=True)
    return secrets


def api_keys(env, *roles):
    """One program operator per role (named faults-ROLE); their API keys, in order."""
    return [subprocess.run([OATHCTL, "operator", "add", f"faults-{role}", "--role", role, "--api-key"], env=env, check=True,
                           capture_output=True, text=True).stdout.split()[-1] for role in roles]


def start(env, port, *options):
    """`oathctl serve` on 127.0.0.1:PORT, once its health check answers."""
    server = subprocess.Popen([OATHCTL, "serve", "--listen", f"127.0.0.1:{port}", *options], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # A script that dies on an exception must not leave its server running.
    atexit.register(lambda: server.poll() is None and server.kill())
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/healthz", timeout=1)
            return server
        except OSError:
            time.sleep(0.05)
    raise SystemExit("faults: oathctl serve did not start")


def activate_all(base_of, secrets, prefix, admin):
    """Activates every token with its current code; `base_of(i)` names the API that activates token i."""
    now = int(time.time())
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: post(f"{base_of(i)}/tokens/{prefix}{i:06d}/activate", {"code": totp(secrets[i], now)}, admin),
                      range(len(secrets))))


def fresh_step():
    """Waits for the next 30-second step (the activation used this one's codes); returns a time in it."""
    time.sleep(30 - time.time() % 30 + 0.5)
    return int(time.time())


def serving_store(env, work, users, prefix, *options):
    """A store of USERS tokens (PREFIX serials), an admin's and a verifier's API keys, `serve` started
    on a free port with OPTIONS, and every token activated. Returns (secrets, admin, verifier, port, base, server)."""
    secrets = store_with_tokens(env, work, users, prefix)
    admin, verifier = api_keys(env, "admin", "verifier")
    port = free_port()
    base = f"http://127.0.0.1:{port}/api/v1"
    server = start(env, port, *options)
    activate_all(lambda _: base, secrets, prefix, admin)
    return secrets, admin, verifier, port, base, server


def report(checks, *servers):
    """Prints each check ({what: ok}), stops the servers, and exits 1 when any check failed."""
    for what, ok in checks.items():
        print(f"{'ok    ' if ok else 'FAILED'} {what}")
    for server in servers:
        server.terminate()
        server.wait(timeout=20)
    if not all(checks.values()):
        sys.exit(1)
