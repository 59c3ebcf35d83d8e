# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of proxyfleet.windows.configmgr_console_proxy: the console's <defaultProxy> fix."""

from __future__ import annotations

import base64
import typing as t

from ansible_collections.proxyfleet.windows.plugins.modules.configmgr_console_proxy import ARGUMENT_SPEC
from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _console_config as config
from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _console_locate as locate
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._agent_action import AgentAction
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._host_session import (
    BACKUPS_KEPT,
    AgentError,
    HostSession,
    new_backup_id,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._task_args import (
    TaskInputError,
)

FQCN = "proxyfleet.windows.configmgr_console_proxy"
_PATH_CHARACTERS = set('<>"/|?*')


class ActionModule(AgentAction):
    """One host command to check with ``path`` given (two when the path is discovered), one more to write."""

    FQCN = FQCN
    ARGUMENT_SPEC = ARGUMENT_SPEC
    HOST_ERRORS = (AgentError, config.ConfigFileError)

    def prepare(self, args: dict[str, t.Any]) -> dict[str, t.Any]:
        path = args.get("path")
        if path is not None and not _is_local_path(path):
            raise TaskInputError(
                "path must be an absolute local Windows path such as C:\\Program Files (x86)\\Microsoft Endpoint"
                f" Manager\\AdminConsole\\bin\\Microsoft.ConfigurationManagement.exe.config; got '{path}'"
            )
        return args

    def act(self, session: HostSession, prepared: dict[str, t.Any]) -> dict[str, t.Any]:
        return self._converge(session, prepared.get("path"), prepared)

    def _converge(self, session: HostSession, path: str | None, args: dict[str, t.Any]) -> dict[str, t.Any]:
        if path is None:
            [installed] = session.run([locate.read_operation()])
            path = locate.config_path(installed)
            if path is None:
                return _missing(locate.NOT_INSTALLED, args)
        [read] = session.run([{"op": "file_read", "path": path}])
        if not read["exists"]:
            return _missing(f"the console configuration file {path} does not exist", args)
        data = base64.b64decode(read["content"])
        try:
            text, encoded = config.decode(data)
            new_text = config.ensure(text, args.get("use_default_credentials"))
            before, after = config.inspect(text).view(), config.inspect(new_text).view()
        except config.ConfigFileError as exc:
            raise config.ConfigFileError(f"cannot edit {path}: {exc}") from None
        changed = new_text != text
        outcome: dict[str, t.Any] = {
            "changed": changed, "path": path, "console_installed": True, "before": before, "after": after,
            "drift": [
                {"setting": f"console.{key}", "current": before[key], "desired": after[key]}
                for key in before if before[key] != after[key]
            ],
            "backup_id": None,
        }  # fmt: skip
        if self.diff_mode and changed:
            outcome["diff"] = {"before": text, "after": new_text, "before_header": path, "after_header": path}
        if not changed or self.check_mode:
            return outcome
        content = base64.b64encode(config.encode(new_text, encoded)).decode("ascii")
        write = {
            "op": "file_write", "path": path, "content": content,
            "expect": {"exists": True, "sha256": read["sha256"]},
            "backup": {"id": new_backup_id(), "keep": BACKUPS_KEPT},
        }  # fmt: skip
        [written] = session.run([write])
        if written["status"] == "precondition_failed":
            message = f"{path} changed between read and write; nothing was written. Run the task again."
            return {**outcome, "changed": False, "failed": True, "msg": message}
        if written["status"] != "written":
            message = f"writing {path} failed at {written.get('stage')}: {written.get('error')}"
            return {**outcome, "changed": False, "failed": True, "msg": message, "backup_id": written.get("backup_id")}
        return {**outcome, "backup_id": written["backup_id"], "backup_path": written["backup_path"]}


def _is_local_path(path: str) -> bool:
    names = path[3:].split("\\")
    return (
        len(path) > 3 and path[0].isascii() and path[0].isalpha() and path[1:3] == ":\\"
        and not _PATH_CHARACTERS & set(path[3:]) and ":" not in path[3:]
        and all(name not in ("", ".", "..") for name in names)
    )  # fmt: skip


def _missing(message: str, args: dict[str, t.Any]) -> dict[str, t.Any]:
    if args.get("ignore_missing"):
        return {"changed": False, "console_installed": False, "drift": [], "msg": message}
    return {"failed": True, "msg": message}
