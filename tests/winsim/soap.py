"""WS-Management SOAP messages of the Windows Remote Shell: parse requests, build replies.

Replies follow the captured wire samples (``shared/reference/winrm-wire-samples.txt``) element for
element; pywinrm asserts ``a:RelatesTo`` on Signal and Delete and needs ``rsp:ExitCode`` on Done.
"""

from __future__ import annotations

import base64
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
}
SHELL_URI = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
TRANSFER_URI = "http://schemas.xmlsoap.org/ws/2004/09/transfer"
FAULT_NS = "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault"
WMI_ERROR_NS = "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/MSFT_WmiError"
ANONYMOUS = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
DONE_STATE = SHELL_URI + "/CommandState/Done"

# Reasons of the fault codes the simulator raises, worded as Windows words them.
FAULT_REASONS = {
    2150858793: "The WS-Management service cannot complete the operation within the time specified in "
    "OperationTimeout.",
    2150858843: "The request for the Windows Remote Shell with ShellId failed because the shell was not found "
    "on the server.",
    2150858770: "The WS-Management service cannot process the request because the request is invalid.",
    2150859174: "The WS-Management service cannot process the request. This user is allowed a maximum number of "
    "operations; that quota has been exceeded.",
}
SHELL_NOT_FOUND = 2150858843
INVALID_REQUEST = 2150858770


class SoapError(ValueError):
    """The request is not a WS-Management message this server understands."""


@dataclass
class Request:
    """The parts of a WS-Man request the shell actions need."""

    action: str  # short name: Create, Command, Send, Receive, Signal, Delete
    message_id: str
    shell_id: str | None
    options: dict[str, str] = field(default_factory=dict)
    body: ET.Element | None = None


def _tag(prefix: str, name: str) -> str:
    """Return the Clark-notation tag ``{namespace}name``."""
    return f"{{{NS[prefix]}}}{name}"


def parse_request(data: bytes) -> Request:
    """Parse a SOAP envelope; raise :class:`SoapError` if it is not one."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise SoapError(f"request is not XML: {exc}") from exc
    header = root.find("s:Header", NS)
    if root.tag != _tag("s", "Envelope") or header is None:
        raise SoapError("request is not a SOAP 1.2 envelope")
    action_uri = (header.findtext("a:Action", "", NS) or "").strip()
    selector = header.find("w:SelectorSet/w:Selector[@Name='ShellId']", NS)
    options = {
        option.get("Name", ""): (option.text or "").strip() for option in header.findall("w:OptionSet/w:Option", NS)
    }
    return Request(
        action=action_uri.rsplit("/", 1)[-1],
        message_id=(header.findtext("a:MessageID", "", NS) or "").strip(),
        shell_id=(selector.text or "").strip() if selector is not None else None,
        options=options,
        body=root.find("s:Body", NS),
    )


def parse_command(request: Request) -> tuple[str, list[str]]:
    """Return the ``rsp:Command`` text and every ``rsp:Arguments`` text, exactly as sent."""
    line = request.body.find("rsp:CommandLine", NS) if request.body is not None else None
    if line is None:
        raise SoapError("Command request without rsp:CommandLine")
    command = line.findtext("rsp:Command", "", NS) or ""
    arguments = [element.text or "" for element in line.findall("rsp:Arguments", NS)]
    return command, arguments


@dataclass
class StdinChunk:
    """One ``rsp:Stream Name="stdin"`` of a Send request."""

    command_id: str
    data: bytes
    end: bool


def parse_send(request: Request) -> list[StdinChunk]:
    """Return the stdin chunks of a Send request."""
    if request.body is None:
        raise SoapError("Send request without a body")
    chunks = []
    for stream in request.body.findall("rsp:Send/rsp:Stream", NS):
        if stream.get("Name", "stdin") != "stdin":
            continue
        try:
            data = base64.b64decode((stream.text or "").strip(), validate=True)
        except ValueError as exc:
            raise SoapError("stdin stream is not base64") from exc
        chunks.append(StdinChunk(stream.get("CommandId", ""), data, stream.get("End", "").lower() == "true"))
    return chunks


def command_id_of(request: Request, path: str) -> str:
    """Return the ``CommandId`` attribute of the body element at ``path`` (Receive, Signal)."""
    element = request.body.find(path, NS) if request.body is not None else None
    if element is None or not element.get("CommandId"):
        raise SoapError(f"{request.action} request without a CommandId")
    return element.get("CommandId", "")


def new_id() -> str:
    """Return a fresh upper-case GUID, the form Windows uses for shell and command ids."""
    return str(uuid.uuid4()).upper()


def _envelope(action: str, relates_to: str, body: str) -> bytes:
    """Wrap ``body`` in a reply envelope with the addressing headers of the samples."""
    return (
        '<?xml version="1.0" ?>\n'
        f'<s:Envelope xmlns:s="{NS["s"]}" xmlns:a="{NS["a"]}" xmlns:x="{TRANSFER_URI}" '
        f'xmlns:w="{NS["w"]}" xmlns:rsp="{NS["rsp"]}" xml:lang="en-US">'
        "<s:Header>"
        f"<a:Action>{escape(action)}</a:Action>"
        f"<a:MessageID>uuid:{new_id()}</a:MessageID>"
        f"<a:To>{ANONYMOUS}</a:To>"
        f"<a:RelatesTo>{escape(relates_to)}</a:RelatesTo>"
        "</s:Header>"
        f"{body}"
        "</s:Envelope>"
    ).encode()


def create_response(relates_to: str, shell_id: str) -> bytes:
    """Reply to Create: the new shell's id as a ``ShellId`` selector and in ``rsp:Shell``."""
    body = (
        "<s:Body><x:ResourceCreated>"
        "<a:Address>http://winsim/wsman</a:Address>"
        "<a:ReferenceParameters>"
        f"<w:ResourceURI>{SHELL_URI}/cmd</w:ResourceURI>"
        f'<w:SelectorSet><w:Selector Name="ShellId">{shell_id}</w:Selector></w:SelectorSet>'
        "</a:ReferenceParameters>"
        "</x:ResourceCreated>"
        f"<rsp:Shell><rsp:ShellId>{shell_id}</rsp:ShellId><rsp:State>Connected</rsp:State></rsp:Shell>"
        "</s:Body>"
    )
    return _envelope(TRANSFER_URI + "/CreateResponse", relates_to, body)


def command_response(relates_to: str, command_id: str) -> bytes:
    """Reply to Command: the new command's id."""
    body = f"<s:Body><rsp:CommandResponse><rsp:CommandId>{command_id}</rsp:CommandId></rsp:CommandResponse></s:Body>"
    return _envelope(SHELL_URI + "/CommandResponse", relates_to, body)


def empty_response(action: str, relates_to: str) -> bytes:
    """Reply to Send or Signal (``rsp:<Action>Response``) or Delete (empty body)."""
    if action == "Delete":
        return _envelope(TRANSFER_URI + "/DeleteResponse", relates_to, "<s:Body/>")
    return _envelope(f"{SHELL_URI}/{action}Response", relates_to, f"<s:Body><rsp:{action}Response/></s:Body>")


def receive_response(relates_to: str, command_id: str, stdout: bytes, stderr: bytes, exit_code: int) -> bytes:
    """Reply to Receive with all output and the Done state carrying the exit code."""
    cid = quoteattr(command_id)
    streams = "".join(
        f"<rsp:Stream Name={quoteattr(name)} CommandId={cid}>{base64.b64encode(data).decode('ascii')}</rsp:Stream>"
        for name, data in (("stdout", stdout), ("stderr", stderr))
    )
    ends = "".join(f'<rsp:Stream Name="{name}" CommandId={cid} End="true"/>' for name in ("stdout", "stderr"))
    body = (
        f"<s:Body><rsp:ReceiveResponse>{streams}{ends}"
        f'<rsp:CommandState CommandId={cid} State="{DONE_STATE}"><rsp:ExitCode>{exit_code}</rsp:ExitCode>'
        "</rsp:CommandState></rsp:ReceiveResponse></s:Body>"
    )
    return _envelope(SHELL_URI + "/ReceiveResponse", relates_to, body)


def fault_response(relates_to: str, code: int, wmi_error: int | None = None, reason: str | None = None) -> bytes:
    """Return a ``s:Fault`` with ``f:WSManFault Code`` (and an ``MSFT_WmiError`` code if given)."""
    text = escape(reason or FAULT_REASONS.get(code, f"The WS-Management service reported error {code}."))
    subcode = "w:TimedOut" if code == 2150858793 else "w:InternalError"
    wmi = (
        f'<p:MSFT_WmiError xmlns:p="{WMI_ERROR_NS}"><p:error_Code>{wmi_error}</p:error_Code>'
        f"<p:Message>{text}</p:Message></p:MSFT_WmiError>"
        if wmi_error is not None
        else ""
    )
    body = (
        "<s:Body><s:Fault>"
        f"<s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>{subcode}</s:Value></s:Subcode></s:Code>"
        f'<s:Reason><s:Text xml:lang="en-US">{text}</s:Text></s:Reason>'
        f'<s:Detail><f:WSManFault xmlns:f="{FAULT_NS}" Code="{code}" Machine="winsim">'
        f"<f:Message>{text}</f:Message></f:WSManFault>{wmi}</s:Detail>"
        "</s:Fault></s:Body>"
    )
    return _envelope("http://schemas.dmtf.org/wbem/wsman/1/wsman/fault", relates_to, body)
