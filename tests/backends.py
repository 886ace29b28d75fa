"""The DynamoDB backends the suite runs against: in-process moto and dynalite.

dynalite (a DynamoDB-compatible HTTP server on LevelDB, npm package) is
installed into ``.cache/dynalite`` on first use and started on a free loopback
port for the test session.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DYNALITE_VERSION = "4.0.0"
DYNALITE_HOME = ROOT / ".cache" / "dynalite"
DYNALITE_CLI = DYNALITE_HOME / "node_modules" / "dynalite" / "cli.js"


class BackendUnavailable(RuntimeError):
    """A backend could not be installed or started: the suite must fail, not skip."""


def install_dynalite() -> Path:
    """Install dynalite into the ignored cache folder (once) and return its CLI."""
    if DYNALITE_CLI.is_file():
        return DYNALITE_CLI
    npm = shutil.which("npm")
    if npm is None:
        raise BackendUnavailable("npm is needed to install dynalite (Node.js >= 18)")
    DYNALITE_HOME.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [
            npm,
            "install",
            "--prefix",
            str(DYNALITE_HOME),
            "--no-audit",
            "--no-fund",
            "--no-save",
            "--loglevel=error",
            f"dynalite@{DYNALITE_VERSION}",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if result.returncode != 0 or not DYNALITE_CLI.is_file():
        raise BackendUnavailable(f"npm install dynalite failed:\n{result.stderr}")
    return DYNALITE_CLI


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Dynalite:
    """A dynalite server process on a loopback port."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def endpoint_url(self) -> str:
        """The server's HTTP endpoint."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Install if needed, start, and wait until the port accepts connections."""
        cli = install_dynalite()
        node = shutil.which("node")
        if node is None:
            raise BackendUnavailable("node is needed to run dynalite")
        for _ in range(5):
            self.port = _free_port()
            self.process = subprocess.Popen(
                [
                    node,
                    str(cli),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    # Tables are ACTIVE at once; the real service takes seconds.
                    "--createTableMs",
                    "0",
                    "--deleteTableMs",
                    "0",
                    "--updateTableMs",
                    "0",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            if self._wait_ready():
                return
            self.stop()
        raise BackendUnavailable("dynalite did not start")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return True
            except OSError:
                time.sleep(0.05)
        return False

    def stop(self) -> None:
        """Stop the server."""
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None


def fake_credentials() -> None:
    """Point boto3 at fake credentials and a region, never at a real account."""
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
    )
    for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        os.environ.pop(name, None)


class MotoServer:
    """moto's HTTP server (Flask, in a thread) on a free loopback port."""

    def __init__(self) -> None:
        self._server: Any = None
        self.port = 0

    @property
    def endpoint_url(self) -> str:
        """The server's HTTP endpoint."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start serving."""
        from moto.server import ThreadedMotoServer

        self.port = _free_port()
        self._server = ThreadedMotoServer(
            ip_address="127.0.0.1", port=self.port, verbose=False
        )
        self._server.start()

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.stop()
