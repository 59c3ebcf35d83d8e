"""The simulated fleet: one :class:`~tests.winsim.host.SimHost` per ``<host>.reg`` in a directory."""

from __future__ import annotations

import os
import typing as t
from pathlib import Path

from .host import SimHost


class Fleet:
    """Hosts by name (the ``.reg`` file stem, matched exactly, as in the WinRM URL path)."""

    def __init__(self, hosts: t.Iterable[SimHost] = ()) -> None:
        self._hosts: dict[str, SimHost] = {}
        for host in hosts:
            if host.name in self._hosts:
                raise ValueError(f"duplicate simulated host {host.name!r}")
            self._hosts[host.name] = host

    @classmethod
    def load(cls, directory: str | os.PathLike[str]) -> Fleet:
        """One host per ``<host>.reg`` in ``directory``, with facts from ``<host>.json`` when present."""
        root = Path(directory)
        if not root.is_dir():
            raise FileNotFoundError(f"fleet directory {root} does not exist")
        return cls(SimHost.load(reg, reg.with_suffix(".json")) for reg in sorted(root.glob("*.reg")))

    def get(self, name: str) -> SimHost | None:
        """The host called ``name``, or None."""
        return self._hosts.get(name)

    def names(self) -> list[str]:
        """Host names, sorted."""
        return sorted(self._hosts)

    def command_count(self, name: str) -> int:
        """Commands the host has received (accepted or rejected); 0 for an unknown host."""
        host = self._hosts.get(name)
        return host.command_count if host else 0

    def total_commands(self) -> int:
        """Commands received by the whole fleet."""
        return sum(host.command_count for host in self._hosts.values())

    def __len__(self) -> int:
        return len(self._hosts)

    def __contains__(self, name: object) -> bool:
        return name in self._hosts

    def __iter__(self) -> t.Iterator[SimHost]:
        return iter(self._hosts[name] for name in self.names())
