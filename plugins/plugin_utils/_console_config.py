# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ConfigMgr console's .NET configuration file: find and fix ``<defaultProxy>`` in place (internal use only).

The file is edited as text, never re-serialised: a small scanner finds element tags (skipping comments,
CDATA, processing instructions and the DOCTYPE), and each edit splices a few characters in, so every
byte outside the edit stays as it was (encoding, BOM, line endings, comments, attribute quoting).
"""

from __future__ import annotations

import codecs
import re
import typing as t
from dataclasses import dataclass, field

PROXY_ELEMENT = '<proxy usesystemdefault="False"/>'
_SKIP = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<!DOCTYPE(?:[^\[>]|\[.*?\])*>", re.S)
_TAG = re.compile(r"<(/?)([A-Za-z_][\w.:-]*)((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>")
_ATTRIBUTE = re.compile(r"\s+([^\s=/>]+)\s*=\s*(\"([^\"]*)\"|'([^']*)')")
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


class ConfigFileError(ValueError):
    """The file cannot be edited safely; the message says why."""


@dataclass
class Element:
    """An element's position in the text: ``start``..``open_end`` is the start tag, ``close_start``..``end``
    the end tag (both ``open_end`` for a self-closing element)."""

    name: str
    start: int
    open_end: int
    self_closing: bool
    close_start: int = -1
    end: int = -1
    children: list[Element] = field(default_factory=list)

    def child(self, name: str) -> Element | None:
        return next((c for c in self.children if c.name == name), None)


@dataclass(frozen=True)
class Encoded:
    """How the file's bytes map to text: the codec and the byte-order mark to put back."""

    codec: str
    bom: bytes


def decode(data: bytes) -> tuple[str, Encoded]:
    """The file's text; raises ConfigFileError unless it is UTF-8 or UTF-16 that encodes back to the same bytes."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            text, encoded = _strict(data[len(bom) :], codec), Encoded(codec, bom)
            break
    else:
        text, encoded = _strict(data, "utf-8"), Encoded("utf-8", b"")
    if encode(text, encoded) != data:
        raise ConfigFileError("its bytes do not survive decoding and encoding unchanged")
    return text, encoded


def _strict(data: bytes, codec: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise ConfigFileError(f"it is not {codec.upper()} text ({exc.reason} at byte {exc.start})") from None


def encode(text: str, encoded: Encoded) -> bytes:
    return encoded.bom + text.encode(encoded.codec)


def parse(text: str) -> Element:
    """The root element with its element tree; raises ConfigFileError for unbalanced tags."""
    stack: list[Element] = []
    root: Element | None = None
    position = 0
    while True:
        start = text.find("<", position)
        if start < 0:
            break
        skipped = _SKIP.match(text, start)
        if skipped:
            position = skipped.end()
            continue
        tag = _TAG.match(text, start)
        if tag is None:
            raise ConfigFileError(f"unreadable markup at character {start}")
        position = tag.end()
        closing, name, self_closing = tag.group(1) == "/", tag.group(2), tag.group(4) == "/"
        if closing:
            if not stack or stack[-1].name != name:
                raise ConfigFileError(f"end tag </{name}> at character {start} does not close an open element")
            element = stack.pop()
            element.close_start, element.end = start, tag.end()
            continue
        element = Element(name, start, tag.end(), self_closing)
        if self_closing:
            element.close_start = element.end = tag.end()
        if stack:
            stack[-1].children.append(element)
        elif root is None:
            root = element
        else:
            raise ConfigFileError(f"a second root element <{name}> at character {start}")
        if not self_closing:
            stack.append(element)
    if stack or root is None:
        raise ConfigFileError("the root element is missing or not closed")
    return root


def attribute(text: str, element: Element, name: str) -> tuple[str, int, int] | None:
    """An attribute's value and the span of the value (inside the quotes), or None."""
    tag = text[element.start : element.open_end]
    for found in _ATTRIBUTE.finditer(tag, 1 + len(element.name)):
        if found.group(1) == name:
            group = 3 if found.group(3) is not None else 4
            return found.group(group), element.start + found.start(group), element.start + found.end(group)
    return None


@dataclass(frozen=True)
class ConsoleProxy:
    """What the file says about the console's proxy."""

    system_net: bool
    default_proxy: bool
    proxy_element: bool
    usesystemdefault: str | None
    use_default_credentials: str | None

    def view(self) -> dict[str, t.Any]:
        return {
            "system_net": self.system_net,
            "default_proxy": self.default_proxy,
            "proxy_element": self.proxy_element,
            "proxy_usesystemdefault": self.usesystemdefault,
            "use_default_credentials": self.use_default_credentials,
        }


def _chain(root: Element) -> tuple[Element | None, Element | None, Element | None]:
    system_net = root.child("system.net")
    default_proxy = system_net.child("defaultProxy") if system_net else None
    proxy = default_proxy.child("proxy") if default_proxy else None
    return system_net, default_proxy, proxy


def inspect(text: str) -> ConsoleProxy:
    root = parse(text)
    if root.name != "configuration":
        raise ConfigFileError(f"its root element is <{root.name}>, not <configuration>")
    system_net, default_proxy, proxy = _chain(root)
    usesystemdefault = attribute(text, proxy, "usesystemdefault") if proxy else None
    credentials = attribute(text, default_proxy, "useDefaultCredentials") if default_proxy else None
    return ConsoleProxy(
        system_net is not None,
        default_proxy is not None,
        proxy is not None,
        usesystemdefault[0] if usesystemdefault else None,
        credentials[0] if credentials else None,
    )


def _is(value: str | None, wanted: str) -> bool:
    # .NET reads configuration booleans ignoring case.
    return value is not None and value.strip().lower() == wanted


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _line_indent(text: str, position: int) -> str | None:
    """The whitespace before ``position`` on its line, or None when something else precedes it there."""
    line_start = max(text.rfind("\n", 0, position), text.rfind("\r", 0, position)) + 1
    before = text[line_start:position]
    return before if before.strip() == "" else None


def _indent_unit(text: str, root: Element) -> str:
    """The file's indentation step, from the first child element on a line of its own."""
    pending = [root]
    while pending:
        parent = pending.pop(0)
        outer = _line_indent(text, parent.start)
        for child in parent.children:
            inner = _line_indent(text, child.start)
            if outer is not None and inner is not None and inner.startswith(outer) and len(inner) > len(outer):
                return inner[len(outer) :]
        pending.extend(parent.children)
    return "\t" if "\n\t<" in text else "  "


def _insert_child(text: str, parent: Element, markup: list[str], unit: str) -> str:
    """Insert ``markup`` lines as the parent's first children, indented one step below it."""
    newline = _newline(text)
    outer = _line_indent(text, parent.start) or ""
    inner = outer + unit
    block = "".join(newline + inner + line for line in markup)
    if parent.self_closing:
        # <a x="1" />  ->  <a x="1">...</a>: the tag loses its "/" (and the blank before it).
        tag = text[parent.start : parent.open_end]
        opened = re.sub(r"\s*/>$", ">", tag)
        return text[: parent.start] + opened + block + newline + outer + f"</{parent.name}>" + text[parent.open_end :]
    content = text[parent.open_end : parent.close_start]
    if content == "":
        block += newline + outer
    return text[: parent.open_end] + block + text[parent.open_end :]


def _set_attribute(text: str, element: Element, name: str, value: str) -> str:
    found = attribute(text, element, name)
    if found:
        return text[: found[1]] + value + text[found[2] :]
    at = element.start + 1 + len(element.name)
    return text[:at] + f' {name}="{value}"' + text[at:]


def ensure(text: str, use_default_credentials: bool | None = None) -> str:
    """The text with ``<proxy usesystemdefault="False"/>`` inside ``<system.net><defaultProxy>``.

    With ``use_default_credentials`` set, ``<defaultProxy>`` also gets ``useDefaultCredentials``. Missing
    elements are added (as first children, indented like the file); nothing else changes.
    """
    credentials = None if use_default_credentials is None else ("true" if use_default_credentials else "false")
    for _edit in range(6):
        root = parse(text)
        if root.name != "configuration":
            raise ConfigFileError(f"its root element is <{root.name}>, not <configuration>")
        unit = _indent_unit(text, root)
        system_net, default_proxy, proxy = _chain(root)
        opening = "<defaultProxy>"
        if credentials is not None:
            opening = f'<defaultProxy useDefaultCredentials="{credentials}">'
        block = [opening, unit + PROXY_ELEMENT, "</defaultProxy>"]
        if system_net is None:
            text = _insert_child(text, root, ["<system.net>", *(unit + line for line in block), "</system.net>"], unit)
        elif default_proxy is None:
            text = _insert_child(text, system_net, block, unit)
        elif proxy is None:
            text = _insert_child(text, default_proxy, [PROXY_ELEMENT], unit)
        elif not _is(_value(text, proxy, "usesystemdefault"), "false"):
            text = _set_attribute(text, proxy, "usesystemdefault", "False")
        elif credentials is not None and not _is(_value(text, default_proxy, "useDefaultCredentials"), credentials):
            text = _set_attribute(text, default_proxy, "useDefaultCredentials", credentials)
        else:
            return text
    raise ConfigFileError("the edit did not converge")


def _value(text: str, element: Element, name: str) -> str | None:
    found = attribute(text, element, name)
    return found[0] if found else None
