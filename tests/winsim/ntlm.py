"""NTLM authentication and WinRM message encryption for the ``ntlm-http`` listener.

The acceptor is pyspnego's pure-Python NTLM server. It reads the accepted credentials only from
the file named by the ``NTLM_USER_FILE`` environment variable (Heimdal format ``DOMAIN:USER:PASSWORD``),
so this module keeps one such owner-only file per process and points the variable at it.

NTLM authenticates a TCP connection, not a request: one :class:`NtlmConnection` lives as long as the
connection. After the handshake, pywinrm (``winrm/encryption.py``) sends every SOAP body sealed with the
connection's NTLM session keys inside a ``multipart/encrypted`` envelope; :func:`decrypt_body` and
:func:`encrypt_body` implement that framing (MS-WSMV 2.2.9.1.1).
"""

from __future__ import annotations

import atexit
import base64
import os
import shutil
import struct
import tempfile
import threading
from pathlib import Path

import spnego
from spnego.exceptions import SpnegoError

PROTOCOL_STRING = "application/HTTP-SPNEGO-session-encrypted"
BOUNDARY = b"--Encrypted Boundary"
ENCRYPTED_CONTENT_TYPE = f'multipart/encrypted;protocol="{PROTOCOL_STRING}";boundary="Encrypted Boundary"'
_OCTET_HEADER = b"\tContent-Type: application/octet-stream\r\n"
_SIGNATURE_LENGTH = 16  # NTLM message signature size (MS-NLMP 2.2.2.9.1)


class NtlmFramingError(ValueError):
    """The request body is not a well-formed encrypted WinRM message."""


class _CredentialStore:
    """The process-wide ``NTLM_USER_FILE`` the pyspnego acceptor reads credentials from."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users: dict[str, tuple[str, int]] = {}  # user -> (password, registrations)
        self._directory: Path | None = None

    def add(self, username: str, password: str) -> None:
        """Accept ``username``/``password``; servers alive at once in a process must agree on the password."""
        if ":" in username or ":" in password or "\n" in username + password:
            raise ValueError("NTLM credentials must not contain ':' or newlines (credential file format)")
        key = username.lower()
        with self._lock:
            known = self._users.get(key)
            if known is not None and known[0] != password:
                # The acceptor looks users up by name only, so one name cannot have two passwords.
                raise ValueError(f"user {username!r} is already registered with another password in this process")
            self._users[key] = (password, 1 + (known[1] if known else 0))
            self._write()

    def remove(self, username: str, password: str) -> None:
        """Drop one registration of ``username``/``password`` (when its server closes)."""
        key = username.lower()
        with self._lock:
            known = self._users.get(key)
            if known is None or known[0] != password:
                return
            if known[1] > 1:
                self._users[key] = (password, known[1] - 1)
            else:
                del self._users[key]
            self._write()

    def _write(self) -> None:
        """Rewrite the owner-only credential file and point ``NTLM_USER_FILE`` at it."""
        if self._directory is None:
            self._directory = Path(tempfile.mkdtemp(prefix="winsim-ntlm-"))
            atexit.register(shutil.rmtree, self._directory, True)
        path = self._directory / "users"
        # An empty domain field matches clients that send a bare user name, as pywinrm does.
        text = "".join(f":{user}:{password}\n" for user, (password, _owner) in self._users.items())
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.environ["NTLM_USER_FILE"] = str(path)


CREDENTIALS = _CredentialStore()


def register_credentials(username: str, password: str) -> None:
    """Make the NTLM acceptor accept ``username``/``password`` (process-wide)."""
    CREDENTIALS.add(username, password)


def unregister_credentials(username: str, password: str) -> None:
    """Undo one :func:`register_credentials`."""
    CREDENTIALS.remove(username, password)


class NtlmConnection:
    """The NTLM state of one TCP connection: handshake first, then sealing and unsealing."""

    def __init__(self) -> None:
        self._context: spnego.ContextProxy | None = None

    @property
    def complete(self) -> bool:
        """True once the client proved its credentials on this connection."""
        return self._context is not None and self._context.complete

    def step(self, authorization: str) -> tuple[str | None, bool]:
        """Feed an ``Authorization: Negotiate|NTLM <b64>`` header to the acceptor.

        Returns ``(www_authenticate, ok)``: the header value to send back with a 401 (the
        challenge) or None, and False when the credentials were rejected.
        """
        scheme, _space, token = authorization.partition(" ")
        if scheme.lower() not in ("negotiate", "ntlm") or not token:
            return None, False
        try:
            in_token = base64.b64decode(token.strip(), validate=True)
            if self._context is None or self._context.complete:
                self._context = spnego.server(protocol="ntlm")
            out_token = self._context.step(in_token)
        except (SpnegoError, ValueError):
            # Wrong password, unknown user or a mangled token: forget the half-done handshake.
            self._context = None
            return None, False
        if out_token:
            return f"{scheme} {base64.b64encode(out_token).decode('ascii')}", True
        return None, True

    def unwrap(self, data: bytes) -> bytes:
        """Unseal ``signature + sealed message`` from the client."""
        if not self.complete:
            raise NtlmFramingError("encrypted message on a connection that is not authenticated")
        assert self._context is not None
        return self._context.unwrap(data).data

    def wrap(self, message: bytes) -> bytes:
        """Seal a message for the client: returns ``signature + sealed message``."""
        assert self._context is not None
        return self._context.wrap(message, encrypt=True).data


def is_encrypted(content_type: str) -> bool:
    """True if the request's Content-Type announces pywinrm's SPNEGO-encrypted framing."""
    return content_type.lower().startswith("multipart/encrypted") and PROTOCOL_STRING.lower() in content_type.lower()


def decrypt_body(connection: NtlmConnection, body: bytes) -> bytes:
    """Return the plain SOAP message inside an encrypted request body."""
    parts = [part for part in body.split(BOUNDARY + b"\r\n") if part]
    if len(parts) < 2 or len(parts) % 2:
        raise NtlmFramingError("expected header/payload pairs in the encrypted body")
    message = b""
    for header, payload in zip(parts[0::2], parts[1::2], strict=True):
        expected = _declared_length(header)
        payload = payload.removesuffix(BOUNDARY + b"--\r\n")
        if not payload.startswith(_OCTET_HEADER):
            raise NtlmFramingError("encrypted payload lacks its application/octet-stream header")
        sealed = payload[len(_OCTET_HEADER) :]
        (signature_length,) = struct.unpack("<i", sealed[:4])
        chunk = connection.unwrap(sealed[4 : 4 + signature_length] + sealed[4 + signature_length :])
        if len(chunk) != expected:
            raise NtlmFramingError(f"decrypted length {len(chunk)} differs from the declared {expected}")
        message += chunk
    return message


def _declared_length(header: bytes) -> int:
    """Return the ``Length=`` of an ``OriginalContent`` part header."""
    _head, found, tail = header.partition(b"Length=")
    if not found:
        raise NtlmFramingError("encrypted part header has no Length=")
    try:
        return int(tail.split(b"\r\n", 1)[0].strip())
    except ValueError as exc:
        raise NtlmFramingError("encrypted part header has a bad Length=") from exc


def encrypt_body(connection: NtlmConnection, message: bytes) -> bytes:
    """Return the encrypted response body for ``message`` (Content-Type: :data:`ENCRYPTED_CONTENT_TYPE`)."""
    sealed = connection.wrap(message)
    signature, data = sealed[:_SIGNATURE_LENGTH], sealed[_SIGNATURE_LENGTH:]
    return (
        BOUNDARY + b"\r\n"
        b"\tContent-Type: " + PROTOCOL_STRING.encode() + b"\r\n"
        b"\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length="
        + str(len(message)).encode()
        + b"\r\n"
        + BOUNDARY
        + b"\r\n"
        + _OCTET_HEADER
        + struct.pack("<i", len(signature))
        + signature
        + data
        + BOUNDARY
        + b"--\r\n"
    )
