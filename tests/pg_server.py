"""A throwaway PostgreSQL server for the store tests: ``initdb`` + ``pg_ctl start`` on 127.0.0.1 at a
free port in a temporary directory, as user ``nobody`` when running as root (postgres refuses
root). :func:`start` returns (url_base, stop) or raises :class:`Unavailable` with the reason."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

SEARCH = ("/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin",
          "/usr/lib/postgresql/14/bin", "/usr/local/bin", "/usr/bin")


class Unavailable(RuntimeError):
    """PostgreSQL cannot be started here (the reason is the message)."""


def _binary(name: str) -> str:
    for folder in SEARCH:
        path = Path(folder) / name
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
    found = shutil.which(name)
    if found is None:
        raise Unavailable(f"no '{name}' binary (apt-get install postgresql)")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start() -> tuple[str, callable]:
    try:
        import psycopg  # noqa: F401
    except ModuleNotFoundError:
        raise Unavailable("the psycopg driver is not installed (pip install 'parkdispatch[postgres]')") from None
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    folder = Path(tempfile.mkdtemp(prefix="parkdispatch-pg-"))
    runner: list[str] = []
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        if runuser is None:
            raise Unavailable("running as root without runuser: postgres refuses to run as root")
        shutil.chown(folder, "nobody")
        runner = [runuser, "-u", "nobody", "--"]
    data, port = folder / "data", _free_port()

    def run(*args: str) -> None:
        done = subprocess.run([*runner, *args], capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise Unavailable(f"{' '.join(args[:2])} failed: {done.stderr.strip() or done.stdout.strip()}")

    run(initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
    run(pg_ctl, "-D", str(data), "-l", str(folder / "log"), "-w", "-t", "60", "start",
        "-o", f"-h 127.0.0.1 -p {port} -k {folder} -F")

    def stop() -> None:
        subprocess.run([*runner, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)

    return f"postgresql://postgres@127.0.0.1:{port}", stop


def create_database(base: str, name: str) -> str:
    """Create database ``name`` on the server at ``base``; returns its URL."""
    import psycopg

    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"
