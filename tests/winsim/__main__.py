"""Command line of the simulated fleet; run from the repository root.

    python -m tests.winsim serve --fleet DIR --inventory FILE [--log FILE]
        [--auth basic-https|basic-http|ntlm-http] [--listen 127.0.0.1:0] [--faults FILE]

Loads every host of ``DIR``, starts listening, then writes an Ansible inventory to ``FILE`` (with
a password made up for this run) and prints one ``winsim: serving ...`` line. Serves until SIGTERM
or SIGINT, then exits 0. Bad arguments exit 2.
"""

from __future__ import annotations

import argparse
import secrets
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from tests.winsim.inventory import write_inventory
from tests.winsim.wsman import AUTH_MODES, DEFAULT_USER, FleetLike, WSManServer


def _listen_address(text: str) -> tuple[str, int]:
    """Parse ``HOST:PORT`` (port 0: the OS picks one)."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT such as 127.0.0.1:0, got {text!r}")
    return host, int(port)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``python -m tests.winsim``."""
    parser = argparse.ArgumentParser(prog="python -m tests.winsim", description="Simulated Windows fleet (WinRM).")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve a fleet of .reg files over WinRM until SIGTERM/SIGINT")
    serve.add_argument("--fleet", required=True, type=Path, help="directory of <host>.reg (and <host>.json) files")
    serve.add_argument("--inventory", required=True, type=Path, help="Ansible YAML inventory to write")
    serve.add_argument("--log", type=Path, help="append one JSON line per command and per injected fault")
    serve.add_argument("--auth", choices=AUTH_MODES, default="basic-https", help="default: %(default)s")
    serve.add_argument(
        "--listen", type=_listen_address, default=("127.0.0.1", 0), help="HOST:PORT, default 127.0.0.1:0"
    )
    serve.add_argument("--faults", type=Path, help="JSON fault rules, re-read when the file changes")
    return parser


def _load_fleet(parser: argparse.ArgumentParser, directory: Path) -> FleetLike:
    """Load the fleet or exit 2 naming what is wrong with ``directory``."""
    if not directory.is_dir():
        parser.error(f"--fleet {directory}: not a directory")
    if not any(directory.glob("*.reg")):
        parser.error(f"--fleet {directory}: no .reg files (one 'Windows Registry Editor Version 5.00' file per host)")
    from tests.winsim.fleet import Fleet  # imported late: argument errors must not need the whole simulator

    try:
        fleet: FleetLike = Fleet.load(directory)
    except (OSError, ValueError) as exc:
        parser.error(f"--fleet {directory}: {exc}")
    return fleet


def _wait_for_signal() -> None:
    """Block until SIGTERM or SIGINT."""
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    # A timed wait keeps the main thread responsive to signals on every platform.
    while not stop.wait(0.5):
        pass


def serve(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Run the ``serve`` command."""
    fleet = _load_fleet(parser, args.fleet)
    names = fleet.names()
    server = WSManServer(
        fleet,
        auth=args.auth,
        username=DEFAULT_USER,
        password=secrets.token_urlsafe(18),
        listen=args.listen,
        faults_path=args.faults,
        log_path=args.log,
    )
    try:
        server.start()
        # The inventory appears only once the port accepts connections: waiting for the file is enough.
        write_inventory(args.inventory, names, server.endpoint())
        print(
            f"winsim: serving {len(names)} hosts on {server.base_url} ({args.auth}); inventory: {args.inventory}",
            flush=True,
        )
        _wait_for_signal()
    finally:
        server.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve(args, parser)
    parser.error(f"unknown command {args.command!r}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
