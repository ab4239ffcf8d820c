"""A throwaway PostgreSQL 15 cluster for `make bench` and `make bench-serve` (scripts/pg-up.sh, fsync on).

    with Cluster(ROOT) as cluster:
        store = cluster.new_database("bench")      # a store URL; cluster.env has PGPASSWORD
"""
import os
import subprocess
import tempfile


class Cluster:
    def __init__(self, root, base_env=None):
        self.scripts = os.path.join(root, "scripts")
        self.base_env = dict(base_env if base_env is not None else os.environ)
        self.env = {}
        self.dir = None

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="oathctl-pg-bench.", dir="/tmp")
        os.chmod(self.dir, 0o755)
        # fsync on: the figures are for durable commits, as a real server makes them.
        subprocess.run(["bash", os.path.join(self.scripts, "pg-up.sh"), self.dir], env=dict(os.environ, PG_FSYNC="on"), check=True)
        self.env = dict(self.base_env)
        for line in open(os.path.join(self.dir, "env")):
            name, value = line.replace("export ", "", 1).strip().split("=", 1)
            self.env[name] = value
        return self

    def __exit__(self, *exc):
        subprocess.run(["bash", os.path.join(self.scripts, "pg-down.sh"), self.dir])

    def psql(self, database, sql):
        """Runs one statement; its output, unaligned."""
        return subprocess.run(["psql", "-h", "127.0.0.1", "-p", self.env["OATHCTL_TEST_POSTGRES_PORT"], "-U", "postgres",
                               "-d", database, "-qAtc", sql], env=self.env, check=True, capture_output=True, text=True).stdout.strip()

    def new_database(self, name):
        """Creates an empty database; its store URL."""
        self.psql("oathctl_test", f"CREATE DATABASE {name}")
        return self.env["OATHCTL_TEST_POSTGRES"].rsplit("/", 1)[0] + "/" + name
