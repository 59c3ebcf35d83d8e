# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of proxyfleet.windows.configmgr_proxy: the site system server proxy in the site control data."""

from __future__ import annotations

import typing as t

from ansible_collections.proxyfleet.windows.plugins.modules.configmgr_proxy import ARGUMENT_SPEC
from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _configmgr_site as site
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._agent_action import AgentAction
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._host_session import AgentError, HostSession
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_syntax import ProxyInputError, describe

FQCN = "proxyfleet.windows.configmgr_proxy"
NO_PROVIDER = (
    "this host has no SMS Provider (WMI namespace root\\SMS is missing): run proxyfleet.windows.configmgr_proxy"
    " against the site server or another SMS Provider host of the site"
)


class ActionModule(AgentAction):
    """Checks in one host command (read in a site control session), changes in two (read, then write)."""

    FQCN = FQCN
    ARGUMENT_SPEC = ARGUMENT_SPEC
    # What the server's data rules out (no site system role, SUP flags without a proxy) is found after the read.
    HOST_ERRORS = (AgentError, ProxyInputError)

    def prepare(self, args: dict[str, t.Any]) -> site.Desired:
        return site.desired_from_options(args)

    def act(self, session: HostSession, prepared: site.Desired) -> dict[str, t.Any]:
        return self._converge(session, prepared)

    def _converge(self, session: HostSession, desired: site.Desired) -> dict[str, t.Any]:
        read_op = {"op": "sms_sysresuse_read", "site_code": desired.site_code, "server": desired.server}
        [read] = session.run([read_op])
        if read.get("missing") == "provider":
            return {"failed": True, "msg": NO_PROVIDER}
        data = site.ServerData.from_read(read)
        changes = site.write_changes(data, site.planned_props(desired, data))
        before = data.view()
        after = site.planned_data(data, changes).view()
        outcome: dict[str, t.Any] = {
            "changed": bool(changes),
            "site_code": data.site_code,
            "server": data.server,
            "before": before,
            "after": after,
            "drift": site.drift(before, after),
        }
        if self.diff_mode and changes:
            outcome["diff"] = {"before": before, "after": after}
        if not changes or self.check_mode:
            return outcome
        write_op = {"op": "sms_sysresuse_write", "site_code": data.site_code, "server": data.server, "changes": changes}
        [written] = session.run([write_op])
        if written["status"] == "precondition_failed":
            return {**outcome, "changed": False, "failed": True, "msg": site.conflict_message(written, changes)}
        if written["status"] != "written":
            message = (
                f"writing the site control data of {site.shown(data.server)} failed at"
                f" {site.shown(written.get('stage'))}: {describe(written.get('error'))}; nothing was committed"
            )
            return {**outcome, "changed": False, "failed": True, "msg": message}
        # CommitSCF succeeded: the change is in the site database whatever happens after it.
        outcome["committed"] = bool(written.get("committed"))
        notes = [
            f"the change was committed, but {what} failed: {written[key]}"
            for key, what in (
                ("after_error", "reading it back"),
                ("release_error", "releasing the site control session"),
            )
            if written.get(key)
        ]
        if notes:
            outcome["warnings"] = [*outcome.get("warnings", []), *notes]
        unexpected = site.read_back_mismatches(written, changes)
        if unexpected:
            return {**outcome, "failed": True, "msg": f"committed, but reading back shows {unexpected}"}
        return outcome
