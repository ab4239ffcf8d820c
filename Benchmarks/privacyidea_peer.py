"""The peer for `make bench-serve`: privacyIDEA 3.14 from PyPI, set up as ../shared/SERVER-NOTES.md
measured it (a virtual environment under .build/, pi.cfg, pi-manage, gunicorn with 2 workers on
127.0.0.1, SQLite on the same disk as oathctl's store), loaded with TOTP tokens through its
/token/load, then `POST /validate/check` (serial + code) under wrk: the same workload as oathctl's.
"""
import json
import os
import secrets as random_secrets
import subprocess
import time
import urllib.parse
import urllib.request
import uuid

VERSION = "3.14"


def _venv(root):
    venv = os.path.join(root, ".build", "venv-privacyidea")
    if not os.path.exists(os.path.join(venv, "bin", "gunicorn")):
        subprocess.run(["python3", "-m", "venv", venv], check=True)
        subprocess.run([os.path.join(venv, "bin", "pip"), "install", "-q", f"privacyidea=={VERSION}", "gunicorn"], check=True)
    return venv


def _call(url, form=None, token=None, files=None):
    headers = {"Authorization": token} if token else {}
    if files:
        boundary = uuid.uuid4().hex
        name, content = files
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\noathcsv\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                f"Content-Type: text/csv\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    else:
        body = urllib.parse.urlencode(form or {}).encode()
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=3600) as answer:
        return json.load(answer)


class PrivacyIDEA:
    """A running privacyIDEA with `secrets` loaded as TOTP tokens P000000, P000001, ..."""

    def __init__(self, root, work, port):
        self.root, self.work, self.port = root, work, port
        self.base = f"http://127.0.0.1:{port}"
        self.server = None

    def __enter__(self):
        venv = _venv(self.root)
        work = self.work
        password = random_secrets.token_hex(12)
        config = os.path.join(work, "pi.cfg")
        with open(config, "w") as f:
            f.write(f"""SQLALCHEMY_DATABASE_URI = 'sqlite:///{work}/pi.sqlite'
SECRET_KEY = '{random_secrets.token_hex(16)}'
PI_PEPPER = '{random_secrets.token_hex(16)}'
PI_ENCFILE = '{work}/enckey'
PI_AUDIT_KEY_PRIVATE = '{work}/private.pem'
PI_AUDIT_KEY_PUBLIC = '{work}/public.pem'
PI_LOGFILE = '{work}/privacyidea.log'
PI_LOGLEVEL = 20
PI_UUID_FILE = '{work}/uuid.txt'
PI_NODE = 'localnode'
""")
        env = dict(os.environ, PRIVACYIDEA_CONFIGFILE=config)
        manage = os.path.join(venv, "bin", "pi-manage")
        for command in (["setup", "create_enckey"], ["setup", "create_audit_keys"], ["setup", "create_tables"],
                        ["admin", "add", "admin", "-p", password]):
            subprocess.run([manage] + command, env=env, check=True, capture_output=True)
        with open(os.path.join(work, "wsgi.py"), "w") as f:
            f.write("import os\nfrom privacyidea.app import create_app\n"
                    "application = create_app(config_name='production', config_file=os.environ['PRIVACYIDEA_CONFIGFILE'], silent=True)\n")
        self.server = subprocess.Popen([os.path.join(venv, "bin", "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{self.port}",
                                        "--timeout", "3600", "--chdir", work, "wsgi:application"], env=env,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(300):
            try:
                self.token = _call(f"{self.base}/auth", {"username": "admin", "password": password})["result"]["value"]["token"]
                return self
            except OSError:
                time.sleep(0.2)
        raise SystemExit("bench-serve: privacyIDEA did not start")

    def load(self, secrets, prefix="P"):
        """Loads the tokens (serials PREFIX000000, ...) through /token/load (OATH CSV); returns the seconds it took."""
        lines = "".join(f"{prefix}{i:06d}, {secret.hex()}, totp, 6, 30\n" for i, secret in enumerate(secrets)).encode()
        started = time.time()
        _call(f"{self.base}/token/load/tokens.csv", token=self.token, files=("tokens.csv", lines))
        return time.time() - started

    def __exit__(self, *_):
        if self.server:
            self.server.terminate()
            self.server.wait(timeout=30)
