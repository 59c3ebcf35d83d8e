"""Make the checkout importable as ansible_collections.proxyfleet.windows for every test."""

from __future__ import annotations

import os
import sys

from tests.simfleet import link_collection

_collections_root = str(link_collection())
if _collections_root not in sys.path:
    sys.path.insert(0, _collections_root)
# WinRM to the simulator runs on loopback; a proxy in the environment would swallow it.
os.environ["NO_PROXY"] = "127.0.0.1,localhost"
os.environ["no_proxy"] = "127.0.0.1,localhost"
