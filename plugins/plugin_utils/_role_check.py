# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A collection role's whole check in one proxy_baseline task (internal use only).

``proxy_baseline``'s ``role`` option takes every option from the role's variables (``delivery_optimization_*``,
``defender_endpoint_*``), validates them against the role's own ``meta/argument_specs.yml``, builds the
surfaces the role asks for and, from the facts of the same read, holds the host to the request with the
role's message. The roles' ``tasks/main.yml`` is that one task: templating, a ``failed_when`` and an
assertion cost Ansible far more per host than this Python (every template is compiled again in every
worker; docs/performance.md), and the same task can run without the role where ansible-core's own
validation task (inserted before any role with an argument spec) is not wanted.
"""

from __future__ import annotations

import functools
import re
import typing as t
from pathlib import Path

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.yaml import yaml_load

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._task_args import TaskInputError, plain

ROLES = ("delivery_optimization", "defender_endpoint")
ROLES_DIR = Path(__file__).resolve().parents[2] / "roles"

# The proxy_baseline option each role variable becomes: an error about the option names the variable.
VARIABLE_OF_OPTION: dict[str, dict[str, str]] = {
    "delivery_optimization": {
        "wininet.proxy": "delivery_optimization_proxy",
        "wininet.bypass": "delivery_optimization_bypass + delivery_optimization_service_bypass",
        "wininet.override_owner": "delivery_optimization_override_owner",
        "winhttp.override_owner": "delivery_optimization_override_owner",
        "delivery_optimization.download_mode": "delivery_optimization_download_mode",
        "delivery_optimization.group_id": "delivery_optimization_group_id",
        "delivery_optimization.group_id_source": "delivery_optimization_group_id_source",
        "delivery_optimization.cache_hosts": "delivery_optimization_cache_hosts",
        "delivery_optimization.override_owner": "delivery_optimization_override_owner",
        "authenticating_proxies": "delivery_optimization_authenticating_proxies",
    },
    "defender_endpoint": {
        "telemetry.proxy": "defender_endpoint_proxy",
        "telemetry.override_owner": "defender_endpoint_override_owner",
        "defender.proxy_server": "defender_endpoint_av_proxy_server",
        "defender.pac_url": "defender_endpoint_pac_url",
        "defender.bypass": "defender_endpoint_bypass",
        "defender.override_owner": "defender_endpoint_override_owner",
        "winhttp.proxy": "defender_endpoint_proxy",
        "winhttp.bypass": "defender_endpoint_bypass",
        "winhttp.override_owner": "defender_endpoint_override_owner",
        "authenticating_proxies": "defender_endpoint_authenticating_proxies",
    },
}


@functools.cache
def role_spec(role: str) -> dict[str, t.Any]:
    """The options of the role's ``main`` entry point, as ansible-core's validator takes them."""
    path = ROLES_DIR / role / "meta" / "argument_specs.yml"
    with path.open(encoding="utf-8") as handle:
        document = yaml_load(handle)  # ansible-core's safe loader (libyaml's when present)
    return _without_docs(document["argument_specs"]["main"]["options"])


def _without_docs(options: dict[str, t.Any]) -> dict[str, t.Any]:
    spec = {}
    for name, option in options.items():
        kept = {key: value for key, value in option.items() if key not in ("description", "version_added")}
        if "options" in kept:
            kept["options"] = _without_docs(kept["options"])
        spec[name] = kept
    return spec


def warm_role_specs() -> None:
    """Read every role's spec once, in the main process before it forks: the workers inherit them."""
    for role in ROLES:
        role_spec(role)


def role_values(role: str, task_vars: t.Mapping[str, t.Any], template: t.Callable[[t.Any], t.Any]) -> dict[str, t.Any]:
    """The role's variables for this host, templated and validated as the role's argument spec says.

    Only the role's own variables are templated (the way a task templates the variables it uses); a
    variable the host does not define takes the spec's default, as in the role.

    Raises:
        TaskInputError: a variable does not match the role's spec (the message names it).
    """
    spec = role_spec(role)
    given = {name: plain(template(task_vars[name])) for name in spec if name in task_vars}
    outcome = ArgumentSpecValidator(spec).validate(given)
    if outcome.error_messages:
        raise TaskInputError(f"role {role}: {outcome.errors.msg}")
    return {**given, **outcome.validated_parameters}


def baseline_args(role: str, values: dict[str, t.Any]) -> dict[str, t.Any]:
    """The proxy_baseline options the role's variables ask for."""
    return _delivery_optimization(values) if role == "delivery_optimization" else _defender_endpoint(values)


def _override_options(values: dict[str, t.Any], prefix: str) -> dict[str, t.Any]:
    """override_gpo and override_owner of every surface, from the role's two variables."""
    return {"override_gpo": values[f"{prefix}_override_gpo"], "override_owner": values[f"{prefix}_override_owner"]}


def _delivery_optimization(values: dict[str, t.Any]) -> dict[str, t.Any]:
    owners = _override_options(values, "delivery_optimization")
    # The role's bypass list, then the DO service endpoints; each once, in that order (Jinja's unique).
    bypass = [*values["delivery_optimization_bypass"], *values["delivery_optimization_service_bypass"]]
    bypass = list(dict.fromkeys(bypass))
    winhttp = {
        "mirror": {"source": "wininet", **owners},
        "direct": {"state": "absent", **owners},
        "leave": None,
    }[values["delivery_optimization_winhttp"]]
    args: dict[str, t.Any] = {
        "wininet": {
            "proxy": values["delivery_optimization_proxy"],
            "bypass": bypass,
            "auto_detect": False,
            "per_machine": True,
            **owners,
        },
        "winhttp": winhttp,
        "facts": values["delivery_optimization_fail_on_findings"],
        "authenticating_proxies": values["delivery_optimization_authenticating_proxies"],
    }
    cache_hosts = values["delivery_optimization_cache_hosts"]
    if values.get("delivery_optimization_download_mode") is not None or cache_hosts:
        policy = {
            "download_mode": values.get("delivery_optimization_download_mode"),
            "group_id": values.get("delivery_optimization_group_id"),
            "group_id_source": values.get("delivery_optimization_group_id_source"),
            "cache_hosts": cache_hosts or None,
            **owners,
        }
        args["delivery_optimization"] = {key: value for key, value in policy.items() if value is not None}
    return {key: value for key, value in args.items() if value is not None}


def _defender_endpoint(values: dict[str, t.Any]) -> dict[str, t.Any]:
    owners = _override_options(values, "defender_endpoint")
    offline = values["defender_endpoint_profile"] == "offline"
    proxy = values["defender_endpoint_proxy"]
    telemetry = {"proxy": proxy, "disable_enterprise_auth_proxy": True, **owners}
    if offline:
        telemetry["prefer_static_proxy_for_http_request"] = True
    # The role's default for the Antivirus proxy is the sensor's, as a URL.
    proxy_server = values.get("defender_endpoint_av_proxy_server")
    defender = {
        "proxy_server": f"http://{proxy}" if proxy_server is None else proxy_server,
        "pac_url": values.get("defender_endpoint_pac_url"),
        "bypass": values["defender_endpoint_bypass"] or None,
        "ssl_options": values["defender_endpoint_offline_ssl_options"] if offline else None,
        **owners,
    }
    args: dict[str, t.Any] = {
        "telemetry": telemetry,
        "defender": {key: value for key, value in defender.items() if value is not None},
        "facts": values["defender_endpoint_fail_on_findings"],
        "facts_profile": values["defender_endpoint_profile"],
        "facts_users": False,
        "authenticating_proxies": values["defender_endpoint_authenticating_proxies"],
    }
    if values["defender_endpoint_winhttp"] == "mirror":
        args["winhttp"] = {"proxy": proxy, "bypass": values["defender_endpoint_bypass"], **owners}
    return args


def name_variable(role: str, message: str) -> str:
    """Name the role variable an option's error is about.

    'wininet.proxy: ...' becomes 'delivery_optimization_proxy (wininet.proxy): ...'.
    """
    option, _sep, rest = message.partition(": ")
    variable = VARIABLE_OF_OPTION[role].get(option)
    return f"{variable} ({option}): {rest}" if variable and rest else f"role {role}: {message}"


def unmet_request(role: str, values: dict[str, t.Any], outcome: dict[str, t.Any], check_mode: bool) -> str | None:
    """Why the host is not as the role asked, from the facts of the same read; None when it is.

    As the role always did: nothing is held to the request without its facts (fail_on_findings false),
    and in check mode a drifted host is reported by its drift, not failed for the facts it has now.
    """
    if not values[f"{role}_fail_on_findings"] or (check_mode and outcome.get("changed")):
        return None
    facts = outcome["ansible_facts"]["windows_proxy"]
    check = _delivery_optimization_unmet if role == "delivery_optimization" else _defender_endpoint_unmet
    unmet = check(values, facts)
    return None if unmet is None else unmet + _owned_notes(facts, outcome)


def _matching(findings: list[dict[str, t.Any]], pattern: str) -> list[dict[str, t.Any]]:
    return [item for item in findings if re.match(pattern, str(item["id"]))]


def _authentication(findings: list[dict[str, t.Any]], consumer: t.Callable[[str], bool]) -> list[dict[str, t.Any]]:
    return [
        item
        for item in findings
        if item["id"] == "AU001" and consumer(str((item.get("evidence") or {}).get("consumer", "")))
    ]


def _listed(findings: list[dict[str, t.Any]]) -> str:
    return "; ".join(f"{item['id']} {item['message']}" for item in findings) or "none"


def _delivery_optimization_unmet(values: dict[str, t.Any], facts: dict[str, t.Any]) -> str | None:
    proxy = values["delivery_optimization_proxy"]
    winhttp = values["delivery_optimization_winhttp"]
    routes = facts["effective"]["delivery_optimization"]
    # mirror declares the proxy anonymous, so DO006 (netsh cannot authenticate) is the owner's accepted risk;
    # AU001 is held against the host even then: the proxy was declared to require credentials.
    accepted = {"DO006"} if winhttp == "mirror" else set()
    findings = [item for item in _matching(facts["findings"], "DO") if item["id"] not in accepted]
    findings += _authentication(facts["findings"], lambda consumer: consumer.startswith("delivery_optimization"))
    interactive, network_service = routes["interactive"], routes["network_service"]
    if interactive["proxy"] == proxy and (winhttp == "leave" or network_service["proxy"] == proxy) and not findings:
        return None
    contexts = "" if winhttp == "leave" else " and for NetworkService"
    return (
        f"Delivery Optimization is not as asked (proxy {proxy} for a signed-in user{contexts}, no DO finding)."
        f" Signed-in user: {interactive['proxy'] or 'direct'} ({interactive['rule']})."
        f" NetworkService: {network_service['proxy'] or 'direct'} ({network_service['rule']})."
        f" Findings: {_listed(findings)}"
    )


DEFENDER_CONSUMERS = ("mde_sensor", "endpoint_dlp", "defender_av")


def _defender_endpoint_unmet(values: dict[str, t.Any], facts: dict[str, t.Any]) -> str | None:
    proxy = values["defender_endpoint_proxy"]
    sensor = facts["effective"]["mde_sensor"]
    findings = _matching(facts["findings"], "(MDE|AV)")
    findings += _authentication(facts["findings"], lambda consumer: consumer in DEFENDER_CONSUMERS)
    if sensor["proxy"] == proxy and not findings:
        return None
    return (
        f"The Defender for Endpoint sensor would use {sensor['proxy'] or 'no proxy'} ({sensor['rule']}),"
        f" asked: {proxy}. Findings: {_listed(findings)}"
    )


def _owned_notes(facts: dict[str, t.Any], outcome: dict[str, t.Any]) -> str:
    """The GPOs that set values, and the values held for their owner, after the reason."""
    notes = ""
    gpo = facts.get("gpo") or []
    if gpo:
        notes += ". Set by Group Policy: " + ", ".join(f"{item['setting']} by GPO '{item['gpo_name']}'" for item in gpo)
    held = outcome.get("held") or []
    if held:
        notes += ". Held (their owner would put them back): " + ", ".join(
            f"{item['setting']} owned by {item['owner']}" for item in held
        )
    return notes
