# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of proxyfleet.windows.proxy_facts: the whole proxy picture in one host command."""

from __future__ import annotations

import typing as t

from ansible_collections.proxyfleet.windows.plugins.module_utils._spec_facts import FACTS_SPEC
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._agent_action import AgentAction
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._effective import (
    delivery_optimization_group,
    effective,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._findings import findings
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._gpo import owners, rsop_operations
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._host_session import HostSession
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_picture import (
    PICTURE_KEYS,
    USER_KEYS,
    read_picture,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._registry import read_operation

FQCN = "proxyfleet.windows.proxy_facts"


class ActionModule(AgentAction):
    """Reads every surface, the loaded user profiles and the Resultant Set of Policy at once."""

    FQCN = FQCN
    ARGUMENT_SPEC = FACTS_SPEC

    def act(self, session: HostSession, prepared: dict[str, t.Any]) -> dict[str, t.Any]:
        args = prepared
        keys = [key for key in PICTURE_KEYS if args["users"] or key not in USER_KEYS]
        operations = [read_operation(keys), *(rsop_operations() if args["group_policy"] else [])]
        answers = session.run(operations)
        picture = read_picture(answers[0], users=args["users"], connecting_user=self.connecting_user)
        routes = effective(picture)
        found = findings(picture, routes, profile=args["profile"])
        facts: dict[str, t.Any] = {
            **picture.as_facts(),
            "effective": routes,
            "delivery_optimization_group": delivery_optimization_group(picture),
            "findings": found,
        }
        if args["group_policy"]:
            facts["gpo"] = [owner.as_dict() for owner in owners(answers[1], answers[2]).values()]
        return {"changed": False, "ansible_facts": {"windows_proxy": facts}, "findings": found}
