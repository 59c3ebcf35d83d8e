"""The simulated fleet's inventory trusts only the simulator's CA (and validates its certificate)."""

from __future__ import annotations

import yaml  # type: ignore[import-untyped]  # PyYAML comes with ansible-core, without stubs

from tests.winsim.inventory import Endpoint, render


def test_https_inventory_uses_a_trust_file_with_only_the_simulators_ca() -> None:
    endpoint = Endpoint(54321, "basic-https", "proxyfleet-admin", "pw", ca_path="/run/winsim/winsim-cert.pem")
    variables = yaml.safe_load(render(["web01"], endpoint))["all"]["children"]["windows"]["vars"]
    assert variables["ansible_winrm_ca_trust_path"] == "/run/winsim/winsim-cert.pem"
    assert variables["ansible_winrm_server_cert_validation"] == "validate"


def test_http_inventory_has_no_trust_file() -> None:
    endpoint = Endpoint(54321, "ntlm-http", "proxyfleet-admin", "pw", ca_path="/run/winsim/winsim-cert.pem")
    variables = yaml.safe_load(render(["web01"], endpoint))["all"]["children"]["windows"]["vars"]
    assert "ansible_winrm_ca_trust_path" not in variables
    assert "ansible_winrm_server_cert_validation" not in variables
