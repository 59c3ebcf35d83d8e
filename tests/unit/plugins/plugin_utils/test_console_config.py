"""The console configuration edit: the proxy element lands, every other byte stays."""

from __future__ import annotations

import codecs

import pytest

from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _console_config as config
from tests import configmgr_hosts as cm

PROXY = '<proxy usesystemdefault="False"/>'


def edit(data: bytes, credentials: bool | None = None) -> bytes:
    text, encoded = config.decode(data)
    return config.encode(config.ensure(text, credentials), encoded)


def only_insertion(before: bytes, after: bytes, inserted: bytes) -> None:
    """``after`` is ``before`` with ``inserted`` spliced in at one place."""
    assert any(after == before[:at] + inserted + before[at:] for at in range(len(before) + 1))


def test_workstation_config_with_bom_crlf_and_comments() -> None:
    after = edit(cm.WORKSTATION_CONFIG)
    inserted = b'\r\n    <defaultProxy>\r\n      <proxy usesystemdefault="False"/>\r\n    </defaultProxy>'
    only_insertion(cm.WORKSTATION_CONFIG, after, inserted)
    assert after.startswith(codecs.BOM_UTF8)
    # The commented-out <system.net> is not the one edited.
    assert b'<!-- <system.net><defaultProxy enabled="false"/></system.net> -->' in after
    assert edit(after) == after


def test_existing_proxy_attribute_keeps_its_quotes() -> None:
    after = edit(cm.SITE_SERVER_CONFIG)
    assert after == cm.SITE_SERVER_CONFIG.replace(b"usesystemdefault='True'", b"usesystemdefault='False'")


def test_false_in_any_case_is_compliant() -> None:
    data = (
        b"<configuration><system.net><defaultProxy>"
        b'<proxy usesystemdefault="false"/></defaultProxy></system.net></configuration>'
    )
    assert edit(data) == data


def test_no_system_net_at_all_utf16() -> None:
    text = '<?xml version="1.0" encoding="utf-16"?>\r\n<configuration>\r\n  <appSettings/>\r\n</configuration>\r\n'
    data = codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    after = edit(data)
    block = "\r\n  <system.net>\r\n    <defaultProxy>\r\n      " + PROXY + "\r\n    </defaultProxy>\r\n  </system.net>"
    expected = text.replace("<configuration>", "<configuration>" + block, 1)
    assert after == codecs.BOM_UTF16_LE + expected.encode("utf-16-le")


def test_self_closing_default_proxy_is_opened() -> None:
    data = (
        b"<configuration>\n    <system.net>\n"
        b'        <defaultProxy enabled="true" />\n    </system.net>\n</configuration>'
    )
    assert edit(data) == (
        b'<configuration>\n    <system.net>\n        <defaultProxy enabled="true">\n'
        b'            <proxy usesystemdefault="False"/>\n        </defaultProxy>\n    </system.net>\n</configuration>'
    )


def test_proxy_without_the_attribute_gets_it_first() -> None:
    data = b'<configuration><system.net><defaultProxy><proxy bypassonlocal="True"/></defaultProxy></system.net>'
    data += b"</configuration>"
    assert edit(data) == data.replace(b"<proxy ", b'<proxy usesystemdefault="False" ')


def test_use_default_credentials() -> None:
    after = edit(cm.SITE_SERVER_CONFIG, credentials=False)
    assert b"<defaultProxy useDefaultCredentials='false'>" in after
    inspected = config.inspect(config.decode(after)[0])
    assert inspected.use_default_credentials == "false" and inspected.usesystemdefault == "False"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe\x00", "it is not UTF-16-LE text"),
        (b"<configuration>\xe9</configuration>", "it is not UTF-8 text"),
        (b"<settings/>", "its root element is <settings>, not <configuration>"),
        (b"<configuration><a></b></configuration>", "end tag </b> at character"),
    ],
)
def test_files_that_are_not_edited(data: bytes, message: str) -> None:
    with pytest.raises(config.ConfigFileError, match=f"^{message}"):
        edit(data)
