"""``python -m tests.winsim serve`` and the inventory it writes."""

from __future__ import annotations

import importlib.util
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import winrm
import yaml  # type: ignore[import-untyped]  # PyYAML comes with ansible-core, without stubs

from tests.winsim.__main__ import main
from tests.winsim.inventory import Endpoint, render, write_inventory

REPO_ROOT = Path(__file__).resolve().parents[3]
HAVE_FLEET = importlib.util.find_spec("tests.winsim.fleet") is not None


@pytest.mark.parametrize(
    ("auth", "expected"),
    [
        (
            "basic-https",
            {"ansible_winrm_transport": "basic", "ansible_winrm_scheme": "https",
             "ansible_winrm_server_cert_validation": "ignore"},
        ),
        (
            "ntlm-http",
            {"ansible_winrm_transport": "ntlm", "ansible_winrm_scheme": "http",
             "ansible_winrm_message_encryption": "always"},
        ),
    ],
)  # fmt: skip
def test_inventory_yaml(auth: str, expected: dict[str, str]) -> None:
    text = render(["web01", "db 02"], Endpoint(54321, auth, "proxyfleet-admin", "pw:'\"#x"))
    group = yaml.safe_load(text)["all"]["children"]["windows"]
    assert group["hosts"] == {
        "web01": {"ansible_winrm_path": "/wsman/web01"},
        "db 02": {"ansible_winrm_path": "/wsman/db%2002"},
    }
    assert group["vars"] == {
        "ansible_connection": "winrm",
        "ansible_host": "127.0.0.1",
        "ansible_port": 54321,
        "ansible_user": "proxyfleet-admin",
        "ansible_password": "pw:'\"#x",
        **expected,
    }


def test_inventory_is_written_atomically_and_private(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "inventory.yml"
    write_inventory(path, [], Endpoint(1, "basic-https", "u", "p"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert yaml.safe_load(path.read_text())["all"]["children"]["windows"]["hosts"] == {}
    assert [p.name for p in path.parent.iterdir()] == ["inventory.yml"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fleet", "{tmp}/missing"], "not a directory"),
        (["--fleet", "{tmp}"], "no .reg files"),
        (["--fleet", "{tmp}", "--listen", "nonsense"], "expected HOST:PORT"),
        (["--fleet", "{tmp}", "--auth", "kerberos"], "invalid choice"),
    ],
)
def test_bad_arguments_exit_2(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["serve", "--inventory", str(tmp_path / "inv.yml"), *(a.format(tmp=tmp_path) for a in args)]
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "inv.yml").exists()


@pytest.mark.skipif(not HAVE_FLEET, reason="tests.winsim.fleet not written yet")
@pytest.mark.parametrize("auth", ["basic-https", "ntlm-http"])
def test_serve_subprocess(auth: str, tmp_path: Path) -> None:
    fleet = tmp_path / "fleet"
    fleet.mkdir()
    (fleet / "web01.reg").write_text(
        'Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Winsim]\r\n"A"="b"\r\n',
        encoding="utf-16",
    )
    inventory = tmp_path / "inventory.yml"
    log = tmp_path / "events.jsonl"
    command = [sys.executable, "-m", "tests.winsim", "serve", "--fleet", str(fleet), "--inventory", str(inventory),
               "--auth", auth, "--log", str(log)]  # fmt: skip
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        assert process.stdout is not None
        ready = process.stdout.readline().decode()
        assert ready.startswith(f"winsim: serving 1 hosts on {auth.split('-')[1]}://127.0.0.1:"), ready
        variables = yaml.safe_load(inventory.read_text())["all"]["children"]["windows"]["vars"]
        client = winrm.Protocol(
            f"{variables['ansible_winrm_scheme']}://127.0.0.1:{variables['ansible_port']}/wsman/web01",
            transport=variables["ansible_winrm_transport"],
            username=variables["ansible_user"],
            password=variables["ansible_password"],
            server_cert_validation="ignore",
        )
        shell = client.open_shell()
        command_id = client.run_command(shell, "PowerShell", ["-EncodedCommand", "QQA="], console_mode_stdin=False)
        client.send_command_input(shell, command_id, b"{}\r\n", end=True)
        stdout, stderr, code = client.get_command_output(shell, command_id)
        client.close_shell(shell)
        # Not our agent: the simulated host refuses with exit code 1 and a message on stderr.
        assert (stdout, code) == (b"", 1)
        assert b"winsim" in stderr
        assert variables["ansible_password"] not in log.read_text()
    finally:
        process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        assert process.wait(timeout=10) == 0
        assert time.monotonic() - started < 5
