"""A throwaway PostgreSQL server for the tests: Debian's ``postgresql`` package's binaries,
a new cluster in a temporary directory, listening only on a Unix socket there.

``initdb`` refuses to run as root, so as root the server runs as the ``postgres`` user (which
the package creates); as anyone else it runs as that user. Missing binaries fail the tests
that need them, saying what to install: CI installs them, so a skip would hide a gap.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

INSTALL = "apt-get install -y postgresql (Debian's package: initdb, pg_ctl and postgres)"


def bindir() -> Path:
    """The newest installed PostgreSQL's bin directory, or fail the test saying what to install."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if not found:
        on_path = shutil.which("initdb")
        if on_path is None:
            pytest.fail(f"PostgreSQL server binaries are missing: {INSTALL}", pytrace=False)
        return Path(on_path).parent
    return Path(found[-1]).parent


@contextlib.contextmanager
def server(port: int = 5432) -> Iterator[str]:
    """Start a server; yield a SQLAlchemy URL to its database ``lossviz``; stop and delete it."""
    bins = bindir()
    base = Path(tempfile.mkdtemp(prefix="lossviz-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        try:
            import pwd

            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail(f"no postgres user to run the server as (root cannot): {INSTALL}",
                        pytrace=False)
        os.chown(base, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, log = base / "data", base / "server.log"

    def run(*args: str) -> None:
        done = subprocess.run([*as_user, *args], capture_output=True, text=True, timeout=120,
                              cwd=base)
        if done.returncode != 0:
            tail = log.read_text()[-2000:] if log.exists() else ""
            pytest.fail(f"{Path(args[0]).name} failed: {done.stderr or done.stdout}\n{tail}",
                        pytrace=False)

    started = False
    try:
        run(str(bins / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
            "-E", "UTF8", "--no-instructions")
        # No TCP at all: a socket in the temporary directory; fsync off, it is thrown away.
        options = f"-k {base} -c listen_addresses='' -p {port} -c fsync=off"
        run(str(bins / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w",
            "-t", "60", "start")
        started = True
        run(str(bins / "createdb"), "-h", str(base), "-p", str(port), "-U", "postgres",
            "lossviz")
        yield f"postgresql+psycopg://postgres@/lossviz?host={base}&port={port}"
    finally:
        if started:
            subprocess.run([*as_user, str(bins / "pg_ctl"), "-D", str(data), "-m", "fast",
                            "-w", "stop"], capture_output=True, timeout=120, cwd=base)
        shutil.rmtree(base, ignore_errors=True)
