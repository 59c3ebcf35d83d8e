# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Registry addresses, values as the agent reports them, and planned changes (internal use only)."""

from __future__ import annotations

import base64
import dataclasses
import typing as t

VIEWS = (64, 32)


@dataclasses.dataclass(frozen=True)
class KeyAddress:
    """A registry key in one registry view.

    ``match`` (wildcard paths only): (value name, prefixes); the read answers only the keys whose string value
    of that name starts with one of the prefixes, ignoring case (docs/dev/agent-protocol.md, wildcard key paths).
    """

    hive: str
    path: str
    view: int
    match: tuple[str, tuple[str, ...]] | None = None

    def to_request(self) -> dict[str, t.Any]:
        request: dict[str, t.Any] = {"hive": self.hive, "path": self.path, "view": self.view}
        if self.match is not None:
            request["match"] = {"value": self.match[0], "prefixes": list(self.match[1])}
        return request

    @property
    def lookup(self) -> tuple[str, str, int]:
        # Registry names are case-insensitive, so lookups are too.
        return (self.hive.upper(), self.path.lower(), self.view)

    def describe(self) -> str:
        return f"{self.hive}\\{self.path} ({self.view}-bit view)"


@dataclasses.dataclass(frozen=True)
class RegValue:
    """A value's state: ``exists`` False, or its type and data in the protocol's encoding."""

    exists: bool
    type: str | None = None
    data: t.Any = None

    @classmethod
    def missing(cls) -> RegValue:
        return cls(False)

    @classmethod
    def binary(cls, blob: bytes) -> RegValue:
        return cls(True, "binary", base64.b64encode(blob).decode("ascii"))

    def as_bytes(self) -> bytes | None:
        """The data of a binary value; None when missing or of another type."""
        if not self.exists or self.type not in ("binary", "none"):
            return None
        return base64.b64decode(self.data)

    def to_expect(self) -> dict[str, t.Any]:
        if not self.exists:
            return {"exists": False}
        return {"exists": True, "type": self.type, "data": self.data}


@dataclasses.dataclass(frozen=True)
class KeyState:
    """A key as read: whether it exists and its values by lower-cased name."""

    address: KeyAddress
    exists: bool
    values: dict[str, RegValue]
    subkeys: tuple[str, ...] = ()

    def value(self, name: str) -> RegValue:
        return self.values.get(name.lower(), RegValue.missing())


class RegistrySnapshot:
    """Every key one read returned, looked up by address."""

    def __init__(self, keys: t.Iterable[KeyState]) -> None:
        self._keys = {key.address.lookup: key for key in keys}

    @classmethod
    def from_read_result(cls, result: dict[str, t.Any]) -> RegistrySnapshot:
        states = []
        for entry in result.get("keys", []):
            address = KeyAddress(entry["hive"], entry["path"], int(entry["view"]))
            values = {
                value["name"].lower(): RegValue(True, value["type"], value["data"])
                for value in entry.get("values") or []
            }
            states.append(KeyState(address, bool(entry["exists"]), values, tuple(entry.get("subkeys") or ())))
        return cls(states)

    def includes(self, address: KeyAddress) -> bool:
        """Whether the read that made this snapshot covered ``address`` (existing or not)."""
        return address.lookup in self._keys

    def key(self, address: KeyAddress) -> KeyState:
        try:
            return self._keys[address.lookup]
        except KeyError:
            raise KeyError(f"the host's answer did not include {address.describe()}") from None

    def value(self, address: KeyAddress, name: str) -> RegValue:
        return self.key(address).value(name)

    def overlay(self, changes: t.Iterable[tuple[KeyAddress, str, RegValue]]) -> RegistrySnapshot:
        """A copy with some values replaced (or removed, for a missing RegValue).

        This is how check mode predicts the state after a write, and how the agent's read-back
        of the written values becomes the state after the apply.
        """
        keys = dict(self._keys)
        for address, name, value in changes:
            current = keys.get(address.lookup) or KeyState(address, False, {})
            values = dict(current.values)
            if value.exists:
                values[name.lower()] = value
            else:
                values.pop(name.lower(), None)
            keys[address.lookup] = KeyState(address, current.exists or value.exists, values, current.subkeys)
        return RegistrySnapshot(keys.values())


@dataclasses.dataclass(frozen=True)
class Change:
    """One planned registry write, with the state it expects to find."""

    action: t.Literal["set_value", "delete_value", "create_key", "delete_key"]
    address: KeyAddress
    name: str  # "" for key changes
    expect: RegValue  # for key changes: whether the key exists (RegValue(True) or missing)
    value: RegValue | None = None

    @classmethod
    def delete_key(cls, address: KeyAddress) -> Change:
        """Delete an empty key; the agent refuses (and rolls back) if anything is left in it."""
        return cls("delete_key", address, "", expect=RegValue(True))

    @classmethod
    def create_key(cls, address: KeyAddress) -> Change:
        """Create a missing key (and its missing parents), empty."""
        return cls("create_key", address, "", expect=RegValue.missing())

    @property
    def is_key_change(self) -> bool:
        return self.action in ("create_key", "delete_key")

    @property
    def result(self) -> RegValue:
        """The value this change leaves behind."""
        return self.value if self.action == "set_value" and self.value is not None else RegValue.missing()

    def to_request(self) -> dict[str, t.Any]:
        request: dict[str, t.Any] = {"action": self.action, **self.address.to_request()}
        if self.is_key_change:
            return {**request, "expect": {"exists": self.expect.exists}}
        request["name"] = self.name
        if self.value is not None:
            request.update(type=self.value.type, data=self.value.data)
        request["expect"] = self.expect.to_expect()
        return request


def read_operation(addresses: t.Iterable[KeyAddress]) -> dict[str, t.Any]:
    """The agent operation that reads every value of the given keys."""
    return {"op": "read", "keys": [address.to_request() for address in addresses]}
