# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ConfigMgr site system proxy: options, the embedded-property model and the plan (internal use only).

The site control data of a site system server is a set of ``SMS_SCI_SysResUse`` role instances whose
``Props`` are ``SMS_EmbeddedProperty`` rows (``PropertyName``, ``Value``, ``Value1``, ``Value2``). The
property names come from community code (ConfigMgrCBDsc); see docs/configmgr.md.
"""

from __future__ import annotations

import re
import typing as t
import unicodedata
from dataclasses import dataclass, field

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_syntax import (
    MAX_HOST_NAME,
    ProxyInputError,
    describe,
    is_host,
)

SITE_SYSTEM = "SMS Site System"
SOFTWARE_UPDATE_POINT = "SMS Software Update Point"
DEFAULT_PORT = 80

SUP_NEEDS_PROXY = (
    "software_update_point.use_proxy and software_update_point.use_proxy_for_adr can only be true when the site"
    " system server uses a proxy (use_proxy: true with proxy_server), as the ConfigMgr console enforces"
)
_SITE_CODE = re.compile(r"[A-Za-z0-9]{3}")
_SERVER = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*")
_ACCOUNT = re.compile(r"[^\\/@\s\"]+\\[^\\/@\s\"]+")
MAX_ACCOUNT = 256  # ours: a NetBIOS domain (15) and a SAM account name (20) need far less


@dataclass(frozen=True)
class Prop:
    """One embedded property as read (``Value`` a number or None, ``Value1``/``Value2`` strings or None)."""

    value: int | None = 0
    value1: str | None = ""
    value2: str | None = ""

    def expect(self) -> dict[str, t.Any]:
        return {"exists": True, "value": self.value, "value1": self.value1, "value2": self.value2}

    def fields(self) -> dict[str, t.Any]:
        return {"value": self.value, "value1": self.value1, "value2": self.value2}


# Which field of which property holds a setting, and what it is when the property is missing.
FIELDS: dict[tuple[str, str], tuple[str, t.Any]] = {
    (SITE_SYSTEM, "UseProxy"): ("value", 0),
    (SITE_SYSTEM, "ProxyName"): ("value2", ""),
    (SITE_SYSTEM, "ProxyServerPort"): ("value", DEFAULT_PORT),
    (SITE_SYSTEM, "AnonymousProxyAccess"): ("value", 1),
    (SITE_SYSTEM, "ProxyUserName"): ("value2", ""),
    (SOFTWARE_UPDATE_POINT, "UseProxy"): ("value", 0),
    (SOFTWARE_UPDATE_POINT, "UseProxyForADR"): ("value", 0),
}


@dataclass
class ServerData:
    """The role instances of one site system server: role -> property name -> Prop (names as read)."""

    site_code: str
    server: str
    roles: dict[str, dict[str, Prop]] = field(default_factory=dict)

    @classmethod
    def from_read(cls, result: dict[str, t.Any]) -> ServerData:
        data = cls(str(result["site_code"]), str(result["server"]))
        for instance in result["instances"]:
            props = {str(p["name"]): Prop(p.get("value"), p.get("value1"), p.get("value2")) for p in instance["props"]}
            data.roles.setdefault(str(instance["role"]), props)
        return data

    def role(self, role: str) -> dict[str, Prop] | None:
        return next((props for name, props in self.roles.items() if name.lower() == role.lower()), None)

    def prop(self, role: str, name: str) -> tuple[str, Prop] | None:
        """The stored name and value of a property, or None when the role or the property is missing."""
        props = self.role(role) or {}
        return next(((stored, p) for stored, p in props.items() if stored.lower() == name.lower()), None)

    def setting(self, role: str, name: str) -> t.Any:
        """The field a setting lives in, with the default of a missing property."""
        field_name, default = FIELDS[(role, name)]
        found = self.prop(role, name)
        value = getattr(found[1], field_name) if found else None
        return default if value is None else value

    def view(self) -> dict[str, t.Any]:
        """The site system proxy (and the software update point flags) in the module's terms."""
        anonymous = self.setting(SITE_SYSTEM, "AnonymousProxyAccess") == 1
        account = self.setting(SITE_SYSTEM, "ProxyUserName") or None
        view: dict[str, t.Any] = {
            "site_code": self.site_code,
            "server": self.server,
            "use_proxy": self.setting(SITE_SYSTEM, "UseProxy") == 1,
            "proxy_server": self.setting(SITE_SYSTEM, "ProxyName") or None,
            "port": int(self.setting(SITE_SYSTEM, "ProxyServerPort")),
            "account": None if anonymous else account,
            "software_update_point": None,
        }
        if self.role(SOFTWARE_UPDATE_POINT) is not None:
            view["software_update_point"] = {
                "use_proxy": self.setting(SOFTWARE_UPDATE_POINT, "UseProxy") == 1,
                "use_proxy_for_adr": self.setting(SOFTWARE_UPDATE_POINT, "UseProxyForADR") == 1,
            }
        return view


@dataclass(frozen=True)
class Desired:
    """Validated options. ``use_proxy`` None leaves the site system proxy as it is."""

    site_code: str | None
    server: str | None
    state: str
    use_proxy: bool | None
    proxy_server: str | None
    port: int
    account: str | None
    sup_use_proxy: bool | None
    sup_use_proxy_for_adr: bool | None

    def wants_sup_proxy(self) -> bool:
        return bool(self.sup_use_proxy or self.sup_use_proxy_for_adr)


def desired_from_options(args: t.Mapping[str, t.Any]) -> Desired:
    """Check the options before anything touches a host; raise ProxyInputError naming the option."""
    site_code = args.get("site_code")
    if site_code is not None and not _SITE_CODE.fullmatch(site_code):
        raise ProxyInputError(f"site_code must be three letters or digits, such as PS1; got {describe(site_code)}")
    server = args.get("server")
    if server is not None and not (_SERVER.fullmatch(server) and len(server) <= MAX_HOST_NAME):
        raise ProxyInputError(
            "server must be the site system server's host name or FQDN, such as cm01.contoso.com;"
            f" got {describe(server)}"
        )
    proxy_server = args.get("proxy_server")
    if proxy_server is not None and not _is_proxy_host(proxy_server):
        raise ProxyInputError(
            "proxy_server must be a host name, FQDN, IPv4 or IPv6 address without scheme or port (the port goes in"
            f" port), such as proxy.contoso.com; got {describe(proxy_server)}"
        )
    port = _check_port(args.get("port"))
    account = args.get("account")
    if account is not None and not _is_account(account):
        raise ProxyInputError(
            "account must be an existing ConfigMgr account written DOMAIN\\user (not user@domain), such as"
            f" CONTOSO\\svc-cmproxy; got {describe(account)}"
        )
    sup = args.get("software_update_point") or {}
    desired = Desired(
        site_code=site_code.upper() if site_code else None,
        server=server,
        state=args.get("state") or "present",
        use_proxy=args.get("use_proxy") if args.get("use_proxy") is not None else (True if proxy_server else None),
        proxy_server=proxy_server,
        port=port,
        account=account,
        sup_use_proxy=sup.get("use_proxy"),
        sup_use_proxy_for_adr=sup.get("use_proxy_for_adr"),
    )
    _check_combinations(desired, args)
    return desired


_PLAIN = re.compile(r"[A-Za-z0-9 ._-]{1,64}\Z")


def shown(value: object) -> str:
    """A name read from the host, for a message: as it is when plain, else escaped, quoted and cut."""
    return value if isinstance(value, str) and _PLAIN.match(value) else describe(value)


def _check_port(port: object) -> int:
    # A YAML `port: yes` arrives as True, which int() would write as port 1; 0 was written as 80.
    if port is None:
        return DEFAULT_PORT
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ProxyInputError(
            f"port must be 1-65535 (a number: write port: 8080, not yes or true); got {describe(port)}"
        )
    return port


def _is_account(account: str) -> bool:
    # Control and format characters (NUL, newlines, right-to-left marks) would hide what is stored.
    if len(account) > MAX_ACCOUNT or any(unicodedata.category(char) in ("Cc", "Cf") for char in account):
        return False
    return bool(_ACCOUNT.fullmatch(account))


def _is_proxy_host(value: str) -> bool:
    # The port has an option of its own, so an IPv6 address needs no brackets here.
    return is_host(value, bare_ipv6=True)


def _check_combinations(desired: Desired, args: t.Mapping[str, t.Any]) -> None:
    if desired.state == "absent":
        given = [name for name in ("proxy_server", "account") if args.get(name) is not None]
        if args.get("use_proxy"):
            given.append("use_proxy: true")
        if given:
            raise ProxyInputError(
                f"state=absent turns the site system proxy off; it cannot be combined with {', '.join(given)}"
            )
    if desired.use_proxy and not desired.proxy_server:
        raise ProxyInputError("proxy_server is required when use_proxy is true")
    if desired.wants_sup_proxy() and (desired.state == "absent" or desired.use_proxy is False):
        raise ProxyInputError(SUP_NEEDS_PROXY)


@dataclass(frozen=True)
class PlannedProp:
    """One property the task manages: its desired field value (None: only checked, never changed)."""

    role: str
    name: str
    wanted: t.Any


def planned_props(desired: Desired, data: ServerData) -> list[PlannedProp]:
    """The properties the task manages and what each should hold.

    Raises:
        ProxyInputError: the server's data rules the task out (no site system role, SUP flags without
            a site proxy, no software update point).
    """
    if data.role(SITE_SYSTEM) is None:
        raise ProxyInputError(
            f"{shown(data.server)} is not a site system server of site {shown(data.site_code)}"
            f" (no '{SITE_SYSTEM}' role among its SMS_SCI_SysResUse instances)"
        )
    plan: list[PlannedProp] = []
    site_proxy_on = data.setting(SITE_SYSTEM, "UseProxy") == 1
    if desired.state == "absent":
        plan += _site_props(use_proxy=False, proxy_server="", port=DEFAULT_PORT, account="")
        site_proxy_on = False
    elif desired.use_proxy is not None:
        plan += _site_props(desired.use_proxy, desired.proxy_server, desired.port, desired.account or "")
        site_proxy_on = desired.use_proxy
    if desired.sup_use_proxy is not None or desired.sup_use_proxy_for_adr is not None:
        if data.role(SOFTWARE_UPDATE_POINT) is None:
            raise ProxyInputError(
                f"software_update_point: {shown(data.server)} has no software update point"
                f" ('{SOFTWARE_UPDATE_POINT}' role) in site {shown(data.site_code)}"
            )
        if desired.wants_sup_proxy() and not site_proxy_on:
            raise ProxyInputError(f"{SUP_NEEDS_PROXY}; {shown(data.server)} (site {shown(data.site_code)}) has none")
        if desired.use_proxy is None:
            # The flags rely on the site proxy this task leaves alone: check it did not change meanwhile.
            plan.append(PlannedProp(SITE_SYSTEM, "UseProxy", None))
    sup_wanted = {"UseProxy": desired.sup_use_proxy, "UseProxyForADR": desired.sup_use_proxy_for_adr}
    if data.role(SOFTWARE_UPDATE_POINT) is not None and not site_proxy_on:
        # No site proxy: the SUP cannot use one either (the console clears the flags the same way).
        sup_wanted = {name: wanted or False for name, wanted in sup_wanted.items()}
    for name, wanted in sup_wanted.items():
        if wanted is not None:
            plan.append(PlannedProp(SOFTWARE_UPDATE_POINT, name, int(wanted)))
    return plan


def _site_props(use_proxy: bool, proxy_server: str | None, port: int, account: str) -> list[PlannedProp]:
    plan = [PlannedProp(SITE_SYSTEM, "UseProxy", int(use_proxy))]
    if proxy_server is not None:
        plan += [PlannedProp(SITE_SYSTEM, "ProxyName", proxy_server), PlannedProp(SITE_SYSTEM, "ProxyServerPort", port)]
        plan += [
            PlannedProp(SITE_SYSTEM, "ProxyUserName", account),
            PlannedProp(SITE_SYSTEM, "AnonymousProxyAccess", 0 if account else 1),
        ]
    return plan


def _same(name: str, current: t.Any, wanted: t.Any) -> bool:
    # Host and account names compare ignoring case, as Windows and ConfigMgr treat them.
    if isinstance(current, str) and isinstance(wanted, str):
        return current.lower() == wanted.lower()
    return bool(current == wanted)


def write_changes(data: ServerData, plan: list[PlannedProp]) -> list[dict[str, t.Any]]:
    """The sms_sysresuse_write changes: every planned property with its precondition; ``set`` when it differs.

    Returns an empty list when nothing differs.
    """
    changes: list[dict[str, t.Any]] = []
    differs = False
    for item in plan:
        found = data.prop(item.role, item.name)
        expect = found[1].expect() if found else {"exists": False}
        name = found[0] if found else item.name
        change: dict[str, t.Any] = {"role": item.role, "name": name, "expect": expect, "set": None}
        if item.wanted is not None and not _same(item.name, data.setting(item.role, item.name), item.wanted):
            field_name, _default = FIELDS[(item.role, item.name)]
            fields = found[1].fields() if found else Prop().fields()
            change["set"] = {**fields, field_name: item.wanted}
            differs = True
        changes.append(change)
    return changes if differs else []


def planned_data(data: ServerData, changes: list[dict[str, t.Any]]) -> ServerData:
    """The server's data as it will be after the changes."""
    after = ServerData(data.site_code, data.server, {role: dict(props) for role, props in data.roles.items()})
    for change in changes:
        if change["set"] is None:
            continue
        props = after.role(change["role"])
        if props is None:  # write_changes only plans properties of roles the server has
            continue
        found = after.prop(change["role"], change["name"])
        props[found[0] if found else change["name"]] = Prop(**change["set"])
    return after


def drift(before: dict[str, t.Any], after: dict[str, t.Any]) -> list[dict[str, t.Any]]:
    """Settings that differ between two views, as ``{setting, current, desired}``."""
    entries = []
    for key in ("use_proxy", "proxy_server", "port", "account"):
        if before[key] != after[key]:
            entries.append({"setting": f"site_system.{key}", "current": before[key], "desired": after[key]})
    for key in ("use_proxy", "use_proxy_for_adr"):
        old, new = before["software_update_point"], after["software_update_point"]
        if old is not None and new is not None and old[key] != new[key]:
            entries.append({"setting": f"software_update_point.{key}", "current": old[key], "desired": new[key]})
    return entries


def _describe_prop(state: dict[str, t.Any] | None) -> str:
    if state is None:
        return "role instance missing"
    if not state.get("exists"):
        return "missing"
    fields = (describe(state.get(name)) for name in ("value", "value1", "value2"))
    return "Value={}, Value1={}, Value2={}".format(*fields)


def _expected(changes: list[dict[str, t.Any]], index: object) -> dict[str, t.Any] | None:
    # The index comes from the host: never trust it to be in range.
    if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(changes):
        return t.cast(dict[str, t.Any], changes[index]["expect"])
    return None


def conflict_message(result: dict[str, t.Any], changes: list[dict[str, t.Any]]) -> str:
    """What an aborted write says: which property changed since the read, from what to what."""
    parts = [
        f"{shown(item['role'])} {shown(item['name'])}: read {_describe_prop(_expected(changes, item.get('index')))},"
        f" now {_describe_prop(item['current'])}"
        for item in result["failed"][: len(changes)]
    ]
    return (
        f"the site control data of {shown(result['server'])} (site {shown(result['site_code'])}) changed"
        " between read and write,"
        f" probably by another administrator; nothing was written. Changed: {'; '.join(parts)}."
        " Run the task again to plan against the current data."
    )


def read_back_mismatches(written: dict[str, t.Any], changes: list[dict[str, t.Any]]) -> str:
    """Properties whose read-back differs from what was set ("" when all match)."""
    wrong = []
    for entry, change in zip(written.get("after") or [], changes, strict=False):
        if change["set"] is None:
            continue
        current = entry.get("current") or {}
        if {name: current.get(name) for name in ("value", "value1", "value2")} != change["set"]:
            wrong.append(f"{change['role']} {shown(change['name'])}: {_describe_prop(entry.get('current'))}")
    return "; ".join(wrong)
