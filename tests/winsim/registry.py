"""An in-memory Windows registry for one simulated host.

Keys and value names are case-insensitive and case-preserving, as on Windows. Values are kept as
the registry keeps them (type number + raw bytes, :class:`~tests.winsim.regfile.Value`), so a
``.reg`` file loads and saves without loss; :func:`to_protocol` / :func:`from_protocol` convert to
and from the agent protocol's typed form (``string``, ``dword``, ...).

Registry views: the 32-bit view of ``HKLM\\SOFTWARE\\X`` is ``HKLM\\SOFTWARE\\WOW6432Node\\X``
(and of ``HKLM\\SOFTWARE`` itself, ``HKLM\\SOFTWARE\\WOW6432Node``). Every other path is the same
in both views. Simplifications, on purpose: Windows shares a few keys between the views (for
example parts of ``SOFTWARE\\Classes``) and redirects ``HKCR``/``HKCU\\Software\\Classes`` too;
none of that is modelled. A path that already goes through ``WOW6432Node`` is not redirected again.
"""

from __future__ import annotations

import base64
import binascii
import copy
import os
import tempfile
import typing as t
from dataclasses import dataclass, field
from pathlib import Path

from . import regfile
from .regfile import Section, Value

VIEWS = (64, 32)
WOW_NODE = "WOW6432Node"
MAX_KEY_NAME = 255
MAX_VALUE_NAME = 16383

# Protocol type name <-> registry type number.
TYPE_NAMES = {
    "string": regfile.REG_SZ,
    "expandstring": regfile.REG_EXPAND_SZ,
    "multistring": regfile.REG_MULTI_SZ,
    "dword": regfile.REG_DWORD,
    "qword": regfile.REG_QWORD,
    "binary": regfile.REG_BINARY,
    "none": regfile.REG_NONE,
}
_KIND_NAMES = {kind: name for name, kind in TYPE_NAMES.items()}
_RAW_SIZES = {regfile.REG_DWORD: 4, regfile.REG_QWORD: 8}


class RegistryError(ValueError):
    """A bad address or value (unknown hive, malformed path, bad type or data)."""


@dataclass
class Key:
    """One registry key: its name as created, values and subkeys keyed by lower-cased name."""

    name: str
    values: dict[str, tuple[str, Value]] = field(default_factory=dict)
    subkeys: dict[str, Key] = field(default_factory=dict)

    def canonical(self) -> tuple[t.Any, ...]:
        """A comparable form: names with their case, values regardless of order (order has no meaning)."""
        values = tuple(sorted((name, value.kind, value.raw) for name, value in self.values.values()))
        subkeys = tuple(sorted((k, sub.canonical()) for k, sub in self.subkeys.items()))
        return (self.name, values, subkeys)


# ---------------------------------------------------------------------------------------------
# Protocol value conversion


def to_protocol(value: Value) -> tuple[str, t.Any]:
    """Return ``(type, data)`` as the agent reports a value.

    Types outside the protocol's seven (REG_DWORD_BIG_ENDIAN, REG_LINK, ...) and DWORD/QWORD data of
    the wrong length are reported as ``none`` with their raw bytes: .NET reports them as
    ``RegistryValueKind.Unknown`` with a byte array, and that is what the agent can see.
    """
    name = _KIND_NAMES.get(value.kind)
    size = _RAW_SIZES.get(value.kind)
    if name is None or (size is not None and len(value.raw) != size):
        return "none", _b64(value.raw)
    if value.kind in (regfile.REG_SZ, regfile.REG_EXPAND_SZ):
        return name, _decode_sz(value.raw)
    if value.kind == regfile.REG_MULTI_SZ:
        return name, _decode_multi(value.raw)
    if size is not None:
        return name, int.from_bytes(value.raw, "little")
    return name, _b64(value.raw)


def from_protocol(type_name: t.Any, data: t.Any) -> Value:
    """Build a value from the protocol's ``type`` and ``data``; :class:`RegistryError` if invalid."""
    if not isinstance(type_name, str) or type_name not in TYPE_NAMES:
        raise RegistryError(f"unknown value type {type_name!r} (expected one of {', '.join(TYPE_NAMES)})")
    kind = TYPE_NAMES[type_name]
    if kind in (regfile.REG_SZ, regfile.REG_EXPAND_SZ):
        if not isinstance(data, str):
            raise RegistryError(f"{type_name} data must be a string, got {_json_type(data)}")
        return Value.string(data, kind)
    if kind == regfile.REG_MULTI_SZ:
        if not isinstance(data, list) or not all(isinstance(item, str) for item in data):
            raise RegistryError(f"multistring data must be a list of strings, got {_json_type(data)}")
        return Value.multi(data)
    if kind in _RAW_SIZES:
        return Value(kind, _integer(type_name, data, _RAW_SIZES[kind]).to_bytes(_RAW_SIZES[kind], "little"))
    return Value(kind, _from_b64(type_name, data))


def _integer(type_name: str, data: t.Any, size: int) -> int:
    """An integer in range for a DWORD (4 bytes) or QWORD (8 bytes)."""
    limit = (1 << (8 * size)) - 1
    if isinstance(data, bool) or not isinstance(data, int):
        raise RegistryError(f"{type_name} data must be an integer 0..{limit}, got {_json_type(data)}")
    if not 0 <= data <= limit:
        raise RegistryError(f"{type_name} data {data} is out of range 0..{limit}")
    return data


def _from_b64(type_name: str, data: t.Any) -> bytes:
    """Strictly decode base64 data (binary and none types)."""
    if not isinstance(data, str):
        raise RegistryError(f"{type_name} data must be a base64 string, got {_json_type(data)}")
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise RegistryError(f"{type_name} data is not valid base64: {data[:40]!r}") from None


def _json_type(data: t.Any) -> str:
    """The JSON type name of ``data`` for error messages."""
    if data is None:
        return "null"
    if isinstance(data, bool):
        return "boolean"
    return {int: "number", float: "number", str: "string", list: "array", dict: "object"}.get(type(data), "value")


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _decode_sz(raw: bytes) -> str:
    """REG_SZ text without its terminating NUL; an odd trailing byte is dropped, as .NET does."""
    text = raw[: len(raw) // 2 * 2].decode("utf-16-le", "surrogatepass")
    return text.removesuffix("\0")


def _decode_multi(raw: bytes) -> list[str]:
    """REG_MULTI_SZ strings: drop the list terminator, then split on NUL."""
    text = _decode_sz(raw)
    if not text:
        return []
    return text.removesuffix("\0").split("\0")


# ---------------------------------------------------------------------------------------------
# Addressing


def hive_name(hive: str) -> str:
    """Full hive name for ``HKLM``/``HKEY_LOCAL_MACHINE`` etc. (case-insensitive)."""
    full = regfile.HIVE_ALIASES.get(hive.upper()) if isinstance(hive, str) else None
    if full is None:
        raise RegistryError(f"unknown hive {hive!r} (expected HKLM, HKCU, HKU or HKCR)")
    return full


def split_path(path: t.Any) -> list[str]:
    """Key path below the hive -> its names; ``""`` is the hive root."""
    if not isinstance(path, str):
        raise RegistryError(f"key path must be a string, got {_json_type(path)}")
    if path == "":
        return []
    parts = path.split("\\")
    if any(part == "" for part in parts):
        raise RegistryError(f"malformed key path {path!r} (empty name, or a leading/trailing/double backslash)")
    for part in parts:
        if len(part) > MAX_KEY_NAME:
            raise RegistryError(f"key name longer than {MAX_KEY_NAME} characters in {path!r}")
    return parts


def view_parts(hive: str, parts: list[str], view: int) -> list[str]:
    """Apply 32-bit view redirection: ``HKLM\\SOFTWARE\\X`` -> ``HKLM\\SOFTWARE\\WOW6432Node\\X``."""
    if isinstance(view, bool) or not isinstance(view, int) or view not in VIEWS:  # 64.0 == 64 in Python
        raise RegistryError(f"unknown registry view {view!r} (expected 64 or 32)")
    redirect = view == 32 and hive == "HKEY_LOCAL_MACHINE" and parts and parts[0].upper() == "SOFTWARE"
    if not redirect or (len(parts) > 1 and parts[1].upper() == WOW_NODE.upper()):
        return list(parts)
    return [parts[0], WOW_NODE, *parts[1:]]


# ---------------------------------------------------------------------------------------------
# The registry


class Registry:
    """The registry of one host: four hives, each a tree of :class:`Key`."""

    def __init__(self) -> None:
        self.hives: dict[str, Key] = {name: Key(name) for name in regfile.HIVE_NAMES}

    # -- loading and saving ------------------------------------------------------------------

    @classmethod
    def from_sections(cls, sections: list[Section]) -> Registry:
        """Build a registry by importing ``sections`` in order, as regedit imports a file."""
        registry = cls()
        registry.import_sections(sections)
        return registry

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Registry:
        """Load a ``.reg`` file."""
        return cls.from_sections(regfile.parse(Path(path).read_bytes()))

    def import_sections(self, sections: list[Section]) -> None:
        """Merge ``sections`` into this registry (key/value creation and deletion)."""
        for section in sections:
            hive, _sep, rest = regfile.normalize_key_path(section.path).partition("\\")
            parts = split_path(rest)
            if section.delete:
                if not parts:
                    raise RegistryError(f"cannot delete the hive root [-{hive}]")
                self._delete_key(hive, parts)
                continue
            key = self._create(hive, parts)[0]
            for name, value in section.values:
                if value is None:
                    key.values.pop(name.lower(), None)
                else:
                    _put_value(key, name, value)

    def to_sections(self) -> list[Section]:
        """Every key with values or without, parent before child, as ``reg export`` lists them.

        A hive root appears only when it holds values: the roots always exist.
        """
        sections: list[Section] = []
        for hive, root in self.hives.items():
            if root.values:
                sections.append(Section(hive, values=list(root.values.values())))
            for child in _sorted_subkeys(root):
                _collect(child, hive, sections)
        return sections

    def dumps(self) -> bytes:
        """The registry as a regedit ``.reg`` file."""
        return regfile.dumps(self.to_sections())

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the ``.reg`` file atomically: a temp file beside it, then ``os.replace``."""
        target = Path(path)
        data = self.dumps()
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    # -- snapshots ---------------------------------------------------------------------------

    def snapshot(self) -> Registry:
        """A deep copy; compare with ``==`` to assert the registry is exactly an old state."""
        return copy.deepcopy(self)

    def restore(self, snapshot: Registry) -> None:
        """Replace the whole content with a copy of ``snapshot``."""
        self.hives = copy.deepcopy(snapshot.hives)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Registry):
            return NotImplemented
        return self.canonical() == other.canonical()

    __hash__ = None  # type: ignore[assignment]  # mutable

    def canonical(self) -> tuple[t.Any, ...]:
        """Comparable form of the whole registry (names case-sensitive, value order ignored)."""
        return tuple(root.canonical() for root in self.hives.values())

    # -- addressing --------------------------------------------------------------------------

    def resolve(self, hive: str, path: str, view: int = 64) -> tuple[str, list[str]]:
        """Full hive name and the key names actually addressed in ``view``."""
        full = hive_name(hive)
        return full, view_parts(full, split_path(path), view)

    def _find(self, hive: str, parts: list[str]) -> Key | None:
        key = self.hives[hive]
        for part in parts:
            found = key.subkeys.get(part.lower())
            if found is None:
                return None
            key = found
        return key

    def open_key(self, hive: str, path: str, view: int = 64) -> Key | None:
        """The key at ``hive\\path`` in ``view``, or None."""
        return self._find(*self.resolve(hive, path, view))

    # -- reading -----------------------------------------------------------------------------

    def key_exists(self, hive: str, path: str, view: int = 64) -> bool:
        """True when the key exists."""
        return self.open_key(hive, path, view) is not None

    def get_value(self, hive: str, path: str, name: str, view: int = 64) -> Value | None:
        """The value ``name`` (case-insensitive) or None when it or its key is missing."""
        key = self.open_key(hive, path, view)
        found = key.values.get(name.lower()) if key else None
        return found[1] if found else None

    def values(self, hive: str, path: str, view: int = 64) -> list[tuple[str, Value]]:
        """``(name, value)`` pairs of a key in stored order; empty when the key is missing."""
        key = self.open_key(hive, path, view)
        return list(key.values.values()) if key else []

    def subkey_names(self, hive: str, path: str, view: int = 64) -> list[str]:
        """Subkey names sorted as Windows enumerates them (case-insensitively)."""
        key = self.open_key(hive, path, view)
        return [sub.name for sub in _sorted_subkeys(key)] if key else []

    # -- writing -----------------------------------------------------------------------------

    def create_key(self, hive: str, path: str, view: int = 64) -> str | None:
        """Create the key and missing parents; return the path of the topmost key created, or None.

        The returned path is in the resolved (view-applied) form below the hive, so that
        ``delete_key(hive, created, 64)`` removes exactly what this call added.
        """
        full, parts = self.resolve(hive, path, view)
        if not parts:
            return None
        created_depth = self._create(full, parts)[1]
        return None if created_depth is None else "\\".join(parts[: created_depth + 1])

    def set_value(self, hive: str, path: str, name: str, value: Value, view: int = 64) -> None:
        """Set a value, creating missing keys; an existing value keeps its stored name case."""
        _check_value_name(name)
        full, parts = self.resolve(hive, path, view)
        _put_value(self._create(full, parts)[0], name, value)

    def delete_value(self, hive: str, path: str, name: str, view: int = 64) -> bool:
        """Delete a value; True if it existed."""
        key = self.open_key(hive, path, view)
        return key is not None and key.values.pop(name.lower(), None) is not None

    def delete_key(self, hive: str, path: str, view: int = 64) -> bool:
        """Delete a key and its whole subtree; True if it existed. Hive roots cannot be deleted."""
        full, parts = self.resolve(hive, path, view)
        if not parts:
            raise RegistryError(f"cannot delete the hive root {full}")
        return self._delete_key(full, parts)

    def _create(self, hive: str, parts: list[str]) -> tuple[Key, int | None]:
        """Walk to the key, creating missing ones; also return the depth of the first one created."""
        key = self.hives[hive]
        created: int | None = None
        for depth, part in enumerate(parts):
            sub = key.subkeys.get(part.lower())
            if sub is None:
                sub = key.subkeys[part.lower()] = Key(part)
                created = depth if created is None else created
            key = sub
        return key, created

    def _delete_key(self, hive: str, parts: list[str]) -> bool:
        parent = self._find(hive, parts[:-1])
        return parent is not None and parent.subkeys.pop(parts[-1].lower(), None) is not None


def _check_value_name(name: str) -> None:
    if not isinstance(name, str):
        raise RegistryError(f"value name must be a string, got {_json_type(name)}")
    if len(name) > MAX_VALUE_NAME:
        raise RegistryError(f"value name longer than {MAX_VALUE_NAME} characters")


def _put_value(key: Key, name: str, value: Value) -> None:
    """Set a value in place: an existing value keeps its name's case and its position."""
    existing = key.values.get(name.lower())
    key.values[name.lower()] = (existing[0] if existing else name, value)


def _sorted_subkeys(key: Key) -> list[Key]:
    return [key.subkeys[k] for k in sorted(key.subkeys, key=lambda k: key.subkeys[k].name.upper())]


def _collect(key: Key, parent_path: str, sections: list[Section]) -> None:
    """Depth-first: the key itself, then its subkeys in order."""
    path = f"{parent_path}\\{key.name}"
    sections.append(Section(path, values=list(key.values.values())))
    for child in _sorted_subkeys(key):
        _collect(child, path, sections)
