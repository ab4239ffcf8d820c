#!/usr/bin/env python3
"""`make bench`: oathctl's speed beside its peers, measured in one run on this machine.

Installs its peers (Debian's liboath-dev as root, after apt-get update; pyotp from PyPI) or stops with a message saying why
when it cannot. Prints a table and writes bench/results.md. Never part of `make test`.
"""
import datetime
import os
import platform
import shutil
import subprocess
import sys
import tempfile

from pg_cluster import Cluster

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, ".build", "bench")
OATHCTL = os.path.join(ROOT, ".build", "release", "oathctl")
OATHBENCH = os.path.join(ROOT, ".build", "release", "oathbench")
ROWS = int(os.environ.get("OATHCTL_BENCH_ROWS", "1000000"))


def run(cmd, env=None, check=True, stdin=None):
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, input=stdin)
    if check and result.returncode not in (0, 1):
        sys.exit(f"bench: {' '.join(cmd)} failed ({result.returncode}): {result.stderr.strip()}")
    return result


def pairs(text):
    out = {}
    for line in text.splitlines():
        if "\t" in line:
            name, value = line.split("\t", 1)
            out[name] = value
    return out


def timed(cmd, env=None, stdin=None):
    """Wall seconds and peak RSS (MB) of a command, via /usr/bin/time."""
    result = run(["/usr/bin/time", "-f", "%e %M"] + cmd, env=env, stdin=stdin)
    seconds, kb = result.stderr.strip().splitlines()[-1].split()
    return float(seconds), int(kb) / 1024


def ensure_peers(notes):
    """Installs the peers the table compares with, or stops: a bench without its peers says nothing.

    liboath-dev comes from Debian's packages (the package lists are refreshed first: on a fresh
    machine apt-get knows no packages until `apt-get update` has run), pyotp from PyPI.
    """
    have_oath = os.path.exists("/usr/include/liboath/oath.h")
    if not have_oath:
        if os.geteuid() != 0 or not shutil.which("apt-get"):
            sys.exit("bench: liboath-dev is missing; install it (sudo apt-get update && sudo apt-get install liboath-dev) and run make bench again")
        update = run(["apt-get", "update", "-qq"], check=False)
        install = run(["apt-get", "install", "-y", "-qq", "liboath-dev"], check=False)
        have_oath = os.path.exists("/usr/include/liboath/oath.h")
        if not have_oath:
            sys.exit("bench: apt-get could not install liboath-dev:\n" + update.stderr[-2000:] + install.stderr[-2000:])
        notes.append("installed liboath-dev from Debian's packages")
    try:
        import pyotp  # noqa: F401
    except ImportError:
        r = run([sys.executable, "-m", "pip", "install", "-q", "--break-system-packages", "pyotp"], check=False)
        if r.returncode != 0:
            sys.exit("bench: pyotp could not be installed from PyPI:\n" + r.stderr[-2000:])
        notes.append("installed pyotp from PyPI")
    return have_oath


def postgres_figures(upload, key_file, ours):
    """The same import, find and checks on PostgreSQL 15: a throwaway cluster with fsync on
    (durable commits, as a real server), on this machine's two cores beside oathctl."""
    with Cluster(ROOT) as cluster:
        pg_env = cluster.env
        imports = []
        for attempt in range(2):
            store = cluster.new_database(f"bench_import_{attempt}")
            env = dict(pg_env, OATHCTL_STORE=store, OATHCTL_KEY_FILE=key_file)
            run([OATHCTL, "init", "--use-existing-key"], env=env)
            imports.append(timed([OATHCTL, "import", upload, "--report", os.path.join(WORK, "import-report.csv")], env=env))
        import_s, import_rss = min(imports)
        run([OATHCTL, "policy", "set", "find.max-matches", "100"], env=env)
        find_s, _ = min(timed([OATHCTL, "find"], env=dict(env, OATHCTL_NOW="1800000000"), stdin="123456\n") for _ in range(2))
        size = int(cluster.psql(store.rsplit("/", 1)[1], "SELECT pg_database_size(current_database())"))
        checks = pairs(run([OATHBENCH], env=dict(pg_env, OATHBENCH_POSTGRES=cluster.new_database("bench_checks"))).stdout)
        return {"import_s": import_s, "import_rss": import_rss, "find_s": find_s, "bytes": size,
                "verify_ms": float(checks["postgres_verify_ms"]), "activation_ms": float(checks["postgres_activation_ms"])}


def main():
    os.makedirs(WORK, exist_ok=True)
    notes = []
    have_oath = ensure_peers(notes)
    peers_bin = os.path.join(WORK, "otp_peers")
    cc = ["cc", "-O2", "-o", peers_bin, os.path.join(ROOT, "Benchmarks", "peers", "otp_peers.c"), "-lcrypto"]
    if have_oath:
        cc[2:2] = ["-DHAVE_LIBOATH"]
        cc.append("-loath")
    run(cc)

    ours = pairs(run(["taskset", "-c", "0", OATHBENCH]).stdout)
    peers = pairs(run(["taskset", "-c", "0", peers_bin]).stdout)
    py = pairs(run(["taskset", "-c", "0", sys.executable, os.path.join(ROOT, "Benchmarks", "peers", "python_peers.py"), "codes"]).stdout)

    upload = os.path.join(WORK, f"upload-{ROWS}.csv")
    if not os.path.exists(upload):
        run([sys.executable, os.path.join(ROOT, "Benchmarks", "generate_upload.py"), str(ROWS), upload, "42"])
    size_mb = os.path.getsize(upload) / 1e6
    validate_s, validate_rss = min(timed(["taskset", "-c", "0", OATHCTL, "validate", upload, "--report", os.path.join(WORK, "report.csv")])
                                   for _ in range(2))
    csv_s = min(float(pairs(run(["taskset", "-c", "0", sys.executable, os.path.join(ROOT, "Benchmarks", "peers", "python_peers.py"),
                                 "csv", upload]).stdout)["python_csv_seconds"]) for _ in range(2))

    # Import (two threads: one reads, checks and seals, one writes SQLite): best of two, each into a new store.
    imports = []
    for attempt in range(2):
        store_dir = tempfile.mkdtemp(dir=WORK)
        env = dict(os.environ, OATHCTL_STORE=os.path.join(store_dir, "tokens.sqlite"), OATHCTL_KEY_FILE=os.path.join(store_dir, "master.key"))
        run([OATHCTL, "init"], env=env)
        imports.append(timed([OATHCTL, "import", upload, "--report", os.path.join(WORK, "import-report.csv")], env=env))
        if attempt == 0:
            shutil.rmtree(store_dir)
    import_s, import_rss = min(imports)
    stored = int(run([OATHCTL, "batches", "--format", "csv"], env=env).stdout.splitlines()[1].split(",")[5])
    store_bytes = os.path.getsize(env["OATHCTL_STORE"])
    run([OATHCTL, "policy", "set", "find.max-matches", "100"], env=env)
    find_s, _ = min(timed([OATHCTL, "find"], env=dict(env, OATHCTL_NOW="1800000000"), stdin="123456\n") for _ in range(2))
    key_file = os.path.join(WORK, "postgres-master.key")
    shutil.copy(env["OATHCTL_KEY_FILE"], key_file)
    shutil.rmtree(store_dir)
    pg = postgres_figures(upload, key_file, ours)

    engine = float(ours["oathctl_engine"])
    def ratio(peer):
        value = peers.get(peer) or py.get(peer)
        return f"{engine / float(value):.2f}x" if value and value != "unavailable" else "n/a"
    def rate(value):
        return f"{float(value) / 1e6:.2f} M/s" if value and value != "unavailable" else "n/a"
    floor = float(peers["two_compression_floor"])
    rows = [
        ("1", "codes/s, oathctl engine (key states reused per token)", rate(ours["oathctl_engine"]), "", ">= 4 M/s",
         engine >= 4e6),
        ("1", "codes/s, liboath oath_totp_generate", rate(peers.get("liboath")), f"oathctl {ratio('liboath')}", "oathctl >= 3x",
         "liboath" in peers and engine >= 3 * float(peers["liboath"])),
        ("1", "codes/s, OpenSSL HMAC() one-shot", rate(peers["openssl_hmac_oneshot"]), f"oathctl {ratio('openssl_hmac_oneshot')}", "", None),
        ("1", "codes/s, pyotp", rate(py.get("pyotp")), f"oathctl {ratio('pyotp')}", "", None),
        ("1", "codes/s, two-compression floor (C, cached states)", rate(peers["two_compression_floor"]),
         f"floor/oathctl {floor / engine:.2f}x", "<= 2x", floor / engine <= 2),
        ("1", "codes/s, oathctl with key states rebuilt per code", rate(ours["oathctl_fresh_key"]), "", "", None),
        ("1", "codes/s, oathctl window verification (±50 steps)", rate(ours["oathctl_verify"]), "", "", None),
        ("1", f"codes/s, oathctl window verification, 16 keys at once ({ours['lanes_implementation']} lanes, as find)",
         rate(ours["oathctl_lanes_verify"]), f"{float(ours['oathctl_lanes_verify']) / float(ours['oathctl_verify']):.2f}x one key at a time",
         "", None),
        ("2", f"validate {ROWS:,} rows ({size_mb:.0f} MB), rows/s", f"{ROWS / validate_s / 1e6:.2f} M/s ({validate_s:.2f} s)",
         f"vs Python csv reading only {csv_s / validate_s:.2f}x ({ROWS / csv_s / 1e6:.2f} M/s)", ">= 1x", validate_s <= csv_s),
        # 128 MB: the one-seed-one-token check keeps a fingerprint and a line per row (about 20 MB
        # for a million rows) on top of the serial and user tables, which fit in 100 MB before it.
        ("2", "validate peak RSS", f"{validate_rss:.0f} MB", "", "< 128 MB", validate_rss < 128),
        ("3", f"import {stored:,} rows into a new store", f"{import_s:.1f} s ({stored / import_s / 1e3:.0f} k rows/s)", "", "< 10 s",
         import_s < 10),
        ("3", "import peak RSS", f"{import_rss:.0f} MB", "", "", None),
        ("4", "activation, full one-day window, in-process (search + store)",
         f"{float(ours['activation_store_ms']):.2f} ms (search {float(ours['activation_search_ms']):.2f} ms)", "", "< 5 ms",
         float(ours["activation_store_ms"]) < 5),
        ("4", "sign-in check (verify), in-process (one transaction: read under lock, check, save, audit)",
         f"{float(ours['verify_store_ms']):.2f} ms", "", "< 5 ms", float(ours["verify_store_ms"]) < 5),
        ("4", f"find over {stored:,} tokens (whole command, the code piped in)", f"{find_s:.2f} s", "", "< 1 s", find_s < 1),
        ("6", f"PostgreSQL: import {stored:,} rows into a new store", f"{pg['import_s']:.1f} s ({stored / pg['import_s'] / 1e3:.0f} k rows/s)",
         f"{pg['import_s'] / import_s:.2f}x SQLite", "< 30 s", pg["import_s"] < 30),
        ("6", "PostgreSQL: import peak RSS (oathctl)", f"{pg['import_rss']:.0f} MB", f"{pg['import_rss'] / import_rss:.2f}x SQLite", "", None),
        ("6", f"PostgreSQL: find over {stored:,} tokens (whole command)", f"{pg['find_s']:.2f} s", f"{pg['find_s'] / find_s:.2f}x SQLite",
         "< 2 s", pg["find_s"] < 2),
        ("6", "PostgreSQL: sign-in check (verify), in-process", f"{pg['verify_ms']:.2f} ms",
         f"{pg['verify_ms'] / float(ours['verify_store_ms']):.2f}x SQLite", "< 5 ms", pg["verify_ms"] < 5),
        ("6", "PostgreSQL: activation, full one-day window, in-process", f"{pg['activation_ms']:.2f} ms",
         f"{pg['activation_ms'] / float(ours['activation_store_ms']):.2f}x SQLite", "", None),
        ("6", "PostgreSQL: database size per token", f"{pg['bytes'] / stored:.0f} bytes ({pg['bytes'] / 1e6:.0f} MB)",
         f"{pg['bytes'] / store_bytes:.2f}x SQLite", "", None),
        ("5", "store size per token", f"{store_bytes / stored:.0f} bytes ({store_bytes / 1e6:.0f} MB)", "", "", None),
    ]
    header = "| # | measure | oathctl / value | ratio | target | met |\n|---|---|---|---|---|---|\n"
    table = header + "".join(
        f"| {n} | {what} | {value} | {r} | {target} | {'' if met is None else ('yes' if met else 'NO')} |\n"
        for n, what, value, r, target, met in rows)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    text = f"""# oathctl benchmark results

Machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}. Date: {datetime.date.today().isoformat()}.
Command: `make bench` (release build; code figures pinned to one core with `taskset -c 0`; best of several runs).
Ratios compare figures taken in this same run; the machines here are noisy (up to 2x between runs),
so Python's csv reading time in the same run says how fast the machine was at the time.
Import and find use both cores (import: one thread reads, checks and seals while the other writes SQLite;
find: one thread reads the next block of candidates while the other checks, and it joins once it has read);
the rest runs on one.
{"".join(f"Note: {n}." + chr(10) for n in notes)}
{table}
Workloads: 1 = 2,000 random 20-byte keys x 100 consecutive steps from a random time (SHA-1, 6 digits);
2 and 3 = `Benchmarks/generate_upload.py {ROWS} FILE 42` (seeded, about 1% bad rows of every kind);
4 = a wrong code, so the whole window of 5,761 steps is searched, and the right code of the next step for verify;
5 = the store file after import 3, with one audit row per token; 6 = the same file, commands and checks on a
throwaway PostgreSQL 15 cluster on this machine (`scripts/pg-up.sh` with fsync on), sharing its two cores with oathctl.
"""
    os.makedirs(os.path.join(ROOT, "bench"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "results.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
