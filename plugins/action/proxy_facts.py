# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of proxyfleet.windows.proxy_facts: the whole proxy picture in one host command."""

from __future__ import annotations

import typing as t

from ansible_collections.proxyfleet.windows.plugins.module_utils._spec_facts import FACTS_SPEC
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._agent_action import AgentAction
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._authentication import check_authenticating_proxies
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._facts_result import facts_result, picture_keys
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._gpo import owners, rsop_operations
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._host_session import HostSession
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._owners import gpp_operation, ownership
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._registry import RegistrySnapshot, read_operation
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._user_preferences import user_preferences_operation

FQCN = "proxyfleet.windows.proxy_facts"


class ActionModule(AgentAction):
    """Reads every surface, the loaded user profiles, the owners' stores and the Resultant Set of Policy at once."""

    FQCN = FQCN
    ARGUMENT_SPEC = FACTS_SPEC

    def prepare(self, args: dict[str, t.Any]) -> dict[str, t.Any]:
        return {**args, "authenticating_proxies": check_authenticating_proxies(args.get("authenticating_proxies"))}

    def act(self, session: HostSession, prepared: dict[str, t.Any]) -> dict[str, t.Any]:
        args = prepared
        # The MDM and Defender preference stores are registry keys of the read; Group Policy and its
        # preference items come from the Resultant Set of Policy, read only with group_policy.
        operations = [
            read_operation(picture_keys(users=args["users"])),
            *([*rsop_operations(), gpp_operation()] if args["group_policy"] else []),
            # The signed-in users' preference items, from each user's RSoP namespace (docs/owners.md).
            *([user_preferences_operation()] if args["group_policy"] and args["users"] else []),
        ]
        answers = session.run(operations)
        owned = owners(answers[1], answers[2]) if args["group_policy"] else None
        owning = ownership(
            answers[0],
            RegistrySnapshot.from_read_result(answers[0]),
            owned or {},
            answers[3] if args["group_policy"] else None,
        )
        result = facts_result(
            answers[0],
            profile=args["profile"],
            users=args["users"],
            connecting_user=self.connecting_user,
            owned=owned,
            authenticating=args["authenticating_proxies"],
            ownership=owning,
            user_preferences=answers[4] if len(answers) > 4 else None,
        )
        return {"changed": False, **result}
