"""A WS-Management (WinRM) server that makes a simulated fleet look like real Windows hosts.

One listener serves every host; the host is the last part of the URL path (``/wsman/<host>``, set per
host with ``ansible_winrm_path``). Unmodified pywinrm and Ansible's ``winrm`` connection plugin talk to
it over Basic/HTTPS (self-signed certificate), Basic/HTTP or NTLM/HTTP with message encryption.

Per Ansible task the client opens a shell (Create), starts a command (Command), streams stdin (Send),
collects the result (Receive), then Signal and Delete. The command runs once, at the first Receive
after its stdin is complete, through ``host.execute`` of the fleet; see ``shared/reference/
winrm-simulation.md`` for the flow and ``faults.py`` for fault injection.
"""

from __future__ import annotations

import base64
import contextlib
import hmac
import secrets
import socket
import ssl
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socketserver import TCPServer
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from tests.winsim import faults, ntlm, soap, tls
from tests.winsim.eventlog import EventLog
from tests.winsim.inventory import Endpoint, host_path

AUTH_MODES = ("basic-https", "basic-http", "ntlm-http")
DEFAULT_USER = "proxyfleet-admin"
SOAP_CONTENT_TYPE = "application/soap+xml;charset=UTF-8"
STDIN_WAIT_SECONDS = 1.0  # how long a Receive waits for missing stdin before the timeout fault


class ExecResultLike(Protocol):
    """What ``SimHost.execute`` returns (``tests.winsim.host.ExecResult``)."""

    stdout: bytes
    stderr: bytes
    exit_code: int
    log: dict[str, Any]


class HostLike(Protocol):
    """The part of ``tests.winsim.host.SimHost`` the server uses."""

    def execute(
        self, command: str, arguments: list[str], stdin: bytes, *, fail_write_at: int | None = None
    ) -> ExecResultLike:
        """Run one WinRM command on the host."""


class FleetLike(Protocol):
    """The part of ``tests.winsim.fleet.Fleet`` the server uses."""

    def get(self, name: str) -> HostLike | None:
        """Return the host called ``name`` or None."""

    def names(self) -> list[str]:
        """Return every host name."""


@dataclass
class Outcome:
    """The result of one executed command, kept until the client has received it."""

    stdout: bytes
    stderr: bytes
    exit_code: int


@dataclass
class CommandState:
    """One ``rsp:Command`` of a shell: what to run, its stdin so far, and its outcome once run."""

    command: str
    arguments: list[str]
    stdin_expected: bool
    stdin: bytearray = field(default_factory=bytearray)
    stdin_done: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    outcome: Outcome | None = None

    @property
    def command_line(self) -> str:
        """The command and its arguments as received, joined by spaces."""
        return " ".join([self.command, *self.arguments])


@dataclass
class Shell:
    """One ``rsp:Shell`` opened by Create; belongs to exactly one host."""

    host: str
    commands: dict[str, CommandState] = field(default_factory=dict)


class Fault(Exception):
    """Answer the current request with a WS-Man fault (HTTP 500)."""

    def __init__(self, code: int, reason: str | None = None, wmi_error: int | None = None) -> None:
        super().__init__(reason or str(code))
        self.code = code
        self.reason = reason
        self.wmi_error = wmi_error


class Drop(Exception):
    """Close the TCP connection without answering the current request."""


class WSManServer:
    """The simulator: a fleet, its open shells, auth, faults and the event log behind one listener."""

    def __init__(
        self,
        fleet: FleetLike,
        *,
        auth: str = "basic-https",
        username: str = DEFAULT_USER,
        password: str | None = None,
        listen: tuple[str, int] = ("127.0.0.1", 0),
        faults_path: Path | None = None,
        log_path: Path | None = None,
        cert_dir: Path | None = None,
    ) -> None:
        """Bind the listener (it accepts connections only after :meth:`start`)."""
        if auth not in AUTH_MODES:
            raise ValueError(f"auth must be one of {list(AUTH_MODES)}, got {auth!r}")
        self.fleet = fleet
        self.auth = auth
        self.username = username
        self.password = password if password is not None else secrets.token_urlsafe(18)
        self.faults = faults.FaultBook(faults_path)
        self.events = EventLog(log_path)
        self.command_counts: dict[str, int] = {}
        self._shells: dict[str, Shell] = {}
        self._lock = threading.Lock()
        self._host_locks: dict[str, threading.Lock] = {}
        self._stopping = threading.Event()
        self._temp_dir: tempfile.TemporaryDirectory[str] | None = None
        self.cert_path: Path | None = None
        ssl_context = self._tls_context(cert_dir) if auth.endswith("https") else None
        self._http = _HTTPServer(listen, self, ssl_context)
        if auth.startswith("ntlm"):
            ntlm.register_credentials(username, self.password)
        self._thread: threading.Thread | None = None
        self._closed = False

    # ----------------------------------------------------------------- lifecycle

    def _tls_context(self, cert_dir: Path | None) -> ssl.SSLContext:
        """Generate the self-signed certificate (in a temp dir unless told where) and its context."""
        if cert_dir is None:
            self._temp_dir = tempfile.TemporaryDirectory(prefix="winsim-tls-")
            cert_dir = Path(self._temp_dir.name)
        self.cert_path, key_path = tls.generate_self_signed(cert_dir)
        return tls.server_context(self.cert_path, key_path)

    def start(self) -> WSManServer:
        """Serve in a daemon thread; return self."""
        # A short poll interval keeps close() (and so every test's teardown) fast.
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, name="winsim-wsman", daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving, cut open connections and wake sleeping faults; idempotent."""
        self._stopping.set()
        if self._thread is not None:
            self._http.shutdown()
            self._thread = None
        self._http.close_connections()
        self._http.server_close()
        if self.auth.startswith("ntlm") and not self._closed:
            ntlm.unregister_credentials(self.username, self.password)
        self._closed = True
        if self._temp_dir is not None:
            self._temp_dir.cleanup()
            self._temp_dir = None

    def __enter__(self) -> WSManServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def port(self) -> int:
        """The port the listener is bound to."""
        return int(self._http.server_address[1])

    @property
    def listen_host(self) -> str:
        """The address the listener is bound to."""
        return str(self._http.server_name)

    @property
    def scheme(self) -> str:
        """``https`` or ``http``."""
        return self.auth.split("-", 1)[1]

    @property
    def base_url(self) -> str:
        """``scheme://127.0.0.1:port``."""
        return f"{self.scheme}://{self.listen_host}:{self.port}"

    def endpoint(self) -> Endpoint:
        """Connection facts for the inventory."""
        ca_path = str(self.cert_path) if self.cert_path else None
        return Endpoint(self.port, self.auth, self.username, self.password, host=self.listen_host, ca_path=ca_path)

    def url_for(self, host: str) -> str:
        """The WS-Man endpoint URL of ``host``."""
        return self.base_url + host_path(host)

    def open_connections(self) -> list[socket.socket]:
        """The currently open client connections (tests check their socket options)."""
        return self._http.connections()

    def sleep(self, seconds: float) -> None:
        """Sleep, but wake up at once when the server stops."""
        self._stopping.wait(seconds)

    # ----------------------------------------------------------------- credentials

    def check_basic(self, header: str) -> bool:
        """True if an ``Authorization: Basic`` header carries the run's credentials."""
        scheme, _space, token = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _colon, password = base64.b64decode(token.strip(), validate=True).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        # Constant-time comparison of the password; user names are case-insensitive on Windows.
        return user.lower() == self.username.lower() and hmac.compare_digest(password.encode(), self.password.encode())

    # ----------------------------------------------------------------- actions

    def dispatch(self, host: str, request: soap.Request) -> bytes:
        """Run one WS-Man action for ``host``; raise :class:`Fault` or :class:`Drop` to deviate."""
        self._inject(host, request.action)
        handler = {
            "Create": self._create,
            "Command": self._command,
            "Send": self._send,
            "Receive": self._receive,
            "Signal": self._signal,
            "Delete": self._delete,
        }.get(request.action)
        if handler is None:
            raise Fault(soap.INVALID_REQUEST, f"The action {request.action!r} is not supported by winsim.")
        return handler(host, request)

    def _inject(self, host: str, action: str) -> None:
        """Apply the first matching transport fault rule, if any."""
        rule = self.faults.take(host, action)
        if rule is None:
            return
        self.events.write({"event": "fault", "host": host, "action": action, "auth": self.auth, **rule.describe()})
        if rule.kind in ("delay", "hang"):
            self.sleep(rule.seconds)
        if rule.kind in ("drop", "hang"):
            raise Drop()
        if rule.kind == "fault":
            raise Fault(rule.code, wmi_error=rule.wmi_error)

    def _shell(self, host: str, request: soap.Request) -> Shell:
        """Return the shell the request's ShellId selector names; it must belong to ``host``."""
        with self._lock:
            shell = self._shells.get(request.shell_id or "")
        if shell is None or shell.host != host:
            raise Fault(soap.SHELL_NOT_FOUND)
        return shell

    def _command_state(self, shell: Shell, command_id: str) -> CommandState:
        """Return a command of ``shell`` or fault."""
        with self._lock:
            state = shell.commands.get(command_id)
        if state is None:
            raise Fault(soap.INVALID_REQUEST, f"The command {command_id} is not known in this shell.")
        return state

    def _create(self, host: str, request: soap.Request) -> bytes:
        """Open a shell."""
        shell_id = soap.new_id()
        with self._lock:
            self._shells[shell_id] = Shell(host)
        return soap.create_response(request.message_id, shell_id)

    def _command(self, host: str, request: soap.Request) -> bytes:
        """Record a command; it runs at Receive, once its stdin (if any) has arrived."""
        shell = self._shell(host, request)
        try:
            command, arguments = soap.parse_command(request)
        except soap.SoapError as exc:
            raise Fault(soap.INVALID_REQUEST, str(exc)) from exc
        # pywinrm sends WINRS_CONSOLEMODE_STDIN=FALSE exactly when it will stream stdin with Send.
        stdin_expected = request.options.get("WINRS_CONSOLEMODE_STDIN", "TRUE").upper() == "FALSE"
        state = CommandState(command, arguments, stdin_expected)
        if not stdin_expected:
            state.stdin_done.set()
        command_id = soap.new_id()
        with self._lock:
            shell.commands[command_id] = state
        return soap.command_response(request.message_id, command_id)

    def _send(self, host: str, request: soap.Request) -> bytes:
        """Append stdin chunks; ``End="true"`` completes the stdin."""
        shell = self._shell(host, request)
        try:
            chunks = soap.parse_send(request)
        except soap.SoapError as exc:
            raise Fault(soap.INVALID_REQUEST, str(exc)) from exc
        for chunk in chunks:
            state = self._command_state(shell, chunk.command_id)
            with state.lock:
                state.stdin += chunk.data
            if chunk.end:
                state.stdin_done.set()
        return soap.empty_response("Send", request.message_id)

    def _receive(self, host: str, request: soap.Request) -> bytes:
        """Run the command if not yet run, then return all its output and exit code."""
        shell = self._shell(host, request)
        command_id = self._command_id(request, "rsp:Receive/rsp:DesiredStream")
        state = self._command_state(shell, command_id)
        if not state.stdin_done.wait(STDIN_WAIT_SECONDS):
            # Windows answers a Receive that has nothing yet with this fault after OperationTimeout;
            # the client silently asks again.
            raise Fault(faults.TIMEOUT_FAULT_CODE)
        with state.lock:
            if state.outcome is None:
                state.outcome = self._execute(host, request.shell_id or "", command_id, state)
            outcome = state.outcome
        return soap.receive_response(request.message_id, command_id, outcome.stdout, outcome.stderr, outcome.exit_code)

    def _signal(self, host: str, request: soap.Request) -> bytes:
        """Terminate a command: forget it."""
        shell = self._shell(host, request)
        command_id = self._command_id(request, "rsp:Signal")
        with self._lock:
            shell.commands.pop(command_id, None)
        return soap.empty_response("Signal", request.message_id)

    def _delete(self, host: str, request: soap.Request) -> bytes:
        """Close a shell."""
        self._shell(host, request)
        with self._lock:
            self._shells.pop(request.shell_id or "", None)
        return soap.empty_response("Delete", request.message_id)

    @staticmethod
    def _command_id(request: soap.Request, path: str) -> str:
        """Return the CommandId of a Receive or Signal or fault."""
        try:
            return soap.command_id_of(request, path)
        except soap.SoapError as exc:
            raise Fault(soap.INVALID_REQUEST, str(exc)) from exc

    # ----------------------------------------------------------------- execution

    def _execute(self, host_name: str, shell_id: str, command_id: str, state: CommandState) -> Outcome:
        """Run the command on the simulated host (one command per host at a time) and log it."""
        host = self.fleet.get(host_name)
        rule = self.faults.take_fail_write(host_name)
        fail_write_at = rule.nth if rule is not None else None
        if rule is not None:
            self.events.write(
                {"event": "fault", "host": host_name, "action": "Command", "auth": self.auth, **rule.describe()}
            )
        started = time.perf_counter()
        host_log: dict[str, Any] = {}
        with self._lock:
            self.command_counts[host_name] = self.command_counts.get(host_name, 0) + 1
        answer = self.faults.take_answer(host_name)
        if answer is not None:
            self.events.write(
                {"event": "fault", "host": host_name, "action": "Command", "auth": self.auth, **answer.describe()}
            )
        with self._host_lock(host_name):
            try:
                if host is None:
                    raise LookupError(f"host {host_name!r} left the fleet")
                if answer is None or answer.run:
                    result = host.execute(
                        state.command, list(state.arguments), bytes(state.stdin), fail_write_at=fail_write_at
                    )
                    outcome = Outcome(bytes(result.stdout), bytes(result.stderr), int(result.exit_code))
                    host_log = dict(result.log or {})
                if answer is not None:  # a hostile host: its answer has the shape the rule gives
                    outcome = Outcome(answer.answer_text().encode("utf-8"), b"", answer.exit_code)
                    host_log["answer_fault"] = True
            except Exception as exc:  # a simulator bug must reach the client as stderr, not kill the thread
                traceback.print_exc(file=sys.stderr)
                outcome = Outcome(b"", f"winsim: internal error in the simulated host: {exc!r}\r\n".encode(), 1)
                host_log = {"error": repr(exc)}
        self._log_command(host_name, shell_id, command_id, state, outcome, host_log, started, fail_write_at)
        return outcome

    def _host_lock(self, host: str) -> threading.Lock:
        """The lock serialising commands on one host."""
        with self._lock:
            return self._host_locks.setdefault(host, threading.Lock())

    def _log_command(
        self,
        host: str,
        shell_id: str,
        command_id: str,
        state: CommandState,
        outcome: Outcome,
        host_log: dict[str, Any],
        started: float,
        fail_write_at: int | None,
    ) -> None:
        """Write the command's JSON line: the host's own log merged under the transport facts."""
        event: dict[str, Any] = {"host": host, "action": "Command", "command_line": state.command_line}
        event.update(host_log)
        event.update(
            {
                "host": host,
                "action": "Command",
                "command_line": state.command_line,
                "exit_code": outcome.exit_code,
                "auth": self.auth,
                "stdin_bytes": len(state.stdin),
                "duration_ms": round((time.perf_counter() - started) * 1000, 3),
                "shell_id": shell_id,
                "command_id": command_id,
            }
        )
        if fail_write_at is not None:
            event["fail_write_at"] = fail_write_at
        self.events.write(event)


class _HTTPServer(ThreadingHTTPServer):
    """The listener: a thread per connection, TCP_NODELAY, TLS handshakes off the accept thread."""

    daemon_threads = True
    # Ansible at -f 50 opens dozens of connections at once; a short backlog would cost SYN retries.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: WSManServer, ssl_context: ssl.SSLContext | None) -> None:
        self.app = app
        self.ssl_context = ssl_context
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, WSManHandler)

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse DNS lookup (getfqdn), which can stall for seconds."""
        TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def get_request(self) -> tuple[socket.socket, Any]:
        """Accept, disable Nagle, and wrap in TLS with the handshake deferred to the worker thread."""
        sock, address = self.socket.accept()
        # Without TCP_NODELAY every request waits ~44 ms for Nagle + the client's delayed ACK.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.ssl_context is not None:
            sock = self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        with self._open_lock:
            self._open.add(sock)
        return sock, address

    def shutdown_request(self, request: Any) -> None:
        """Forget and close a finished connection."""
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def connections(self) -> list[socket.socket]:
        """A snapshot of the open connections."""
        with self._open_lock:
            return list(self._open)

    def close_connections(self) -> None:
        """Cut every open connection so their threads end (keep-alive clients may idle forever)."""
        for sock in self.connections():
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about clients that vanish or fail the TLS handshake; report real bugs."""
        exc = sys.exc_info()[1]
        if isinstance(exc, (OSError, ssl.SSLError)):
            return
        super().handle_error(request, client_address)


class WSManHandler(BaseHTTPRequestHandler):
    """One client connection: HTTP/1.1 keep-alive, auth, decryption, dispatch."""

    protocol_version = "HTTP/1.1"
    server: _HTTPServer
    server_version = "Microsoft-HTTPAPI/2.0"
    sys_version = ""

    def setup(self) -> None:
        """Per-connection state: NTLM authenticates the connection, not each request."""
        super().setup()
        self.ntlm = ntlm.NtlmConnection()

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request access log: the JSON event log is the record."""

    # ----------------------------------------------------------------- HTTP plumbing

    def _reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        """Send a complete response, keeping the connection open."""
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def _read_body(self) -> bytes | None:
        """Read the request body; None (after a 411) if it has no Content-Length."""
        length = self.headers.get("Content-Length")
        if length is None or not length.strip().isdigit():
            self.close_connection = True
            self._reply(411)
            return None
        return self.rfile.read(int(length))

    def _host_name(self) -> str | None:
        """The host from ``/wsman/<host>``, or None for any other path."""
        parts = urlsplit(self.path).path.rstrip("/").split("/")
        if len(parts) == 3 and parts[1].lower() == "wsman" and parts[2]:
            return unquote(parts[2])
        return None

    def do_GET(self) -> None:
        """WinRM is POST-only."""
        self._reply(405, headers={"Allow": "POST"})

    def do_POST(self) -> None:
        """Authenticate, decrypt, dispatch and answer one WS-Man request."""
        body = self._read_body()
        if body is None or not self._authenticated():
            return
        host = self._host_name()
        if host is None or self.server.app.fleet.get(host) is None:
            self._reply(404)
            return
        encrypted = ntlm.is_encrypted(self.headers.get("Content-Type", ""))
        try:
            message = ntlm.decrypt_body(self.ntlm, body) if encrypted else body
        except Exception:  # framing, struct and NTLM signature errors alike
            # Garbage or a body sealed for another connection: pywinrm re-sends it after a reconnect, e.g.
            # Ansible's cleanup after a read timeout. The body stays empty as on Windows: pywinrm would try
            # to decrypt a non-empty one, and Ansible ignores exactly this empty 400 on cleanup.
            self._reply(400)
            return
        if not message:
            # pywinrm's empty POST that only sets up the NTLM context for encryption.
            self._reply(200)
            return
        self._answer(host, message, encrypted)

    def _answer(self, host: str, message: bytes, encrypted: bool) -> None:
        """Dispatch a plain SOAP message and send the (possibly sealed) reply."""
        status = 200
        request: soap.Request | None = None
        try:
            request = soap.parse_request(message)
            payload = self.server.app.dispatch(host, request)
        except Drop:
            self.close_connection = True
            return
        except soap.SoapError as exc:
            status, payload = 500, soap.fault_response("", soap.INVALID_REQUEST, reason=str(exc))
        except Fault as fault:
            relates_to = request.message_id if request is not None else ""
            status, payload = 500, soap.fault_response(relates_to, fault.code, fault.wmi_error, fault.reason)
        if encrypted:
            self._reply(status, ntlm.encrypt_body(self.ntlm, payload), {"Content-Type": ntlm.ENCRYPTED_CONTENT_TYPE})
        else:
            self._reply(status, payload, {"Content-Type": SOAP_CONTENT_TYPE})

    # ----------------------------------------------------------------- authentication

    def _authenticated(self) -> bool:
        """True if the request may proceed; otherwise a 401 has been sent."""
        if self.server.app.auth.startswith("ntlm"):
            return self._authenticated_ntlm()
        if self.server.app.check_basic(self.headers.get("Authorization", "")):
            return True
        self._reply(401, headers={"WWW-Authenticate": 'Basic realm="WSMAN"'})
        return False

    def _authenticated_ntlm(self) -> bool:
        """Drive the NTLM handshake; after it the connection stays authenticated."""
        header = self.headers.get("Authorization")
        if not header:
            if self.ntlm.complete:
                return True
            self._reply(401, headers={"WWW-Authenticate": "Negotiate"})
            return False
        challenge, ok = self.ntlm.step(header)
        if ok and self.ntlm.complete:
            return True
        self._reply(401, headers={"WWW-Authenticate": challenge if ok and challenge else "Negotiate"})
        return False
