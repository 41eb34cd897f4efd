"""Every agent the service talks to: one `AgentClient` per (host, user), made on first use.

The service makes one pool from its config and gives it to the engine; the engine's
test harness gives none, and processes then run directly in the engine (`local.py`).
Closing the pool closes the connections and nothing else: the agents and their
processes carry on, for the next service to follow (SPEC §10).
"""

from __future__ import annotations

import asyncio

from ..config import Config
from ..program.local import ProcessSpec, username
from .client import AgentClient
from .execution import AgentExecution
from .hosts import HostPicker
from .launcher import AgentKey, Launcher


class AgentPool:
    def __init__(self, config: Config) -> None:
        self.config = config.agent
        self.hosts = HostPicker(config.host_groups)
        self._launcher = Launcher(config.agent)
        self._clients: dict[AgentKey, AgentClient] = {}
        self._user = username()

    def key(self, host: str | None, user: str | None) -> AgentKey:
        """The agent for `host` (None: this one) and `user`; the service's own user on
        this host is the same agent as no user."""
        if host is None and user == self._user:
            user = None
        return AgentKey(host, user)

    def client(self, key: AgentKey) -> AgentClient:
        client = self._clients.get(key)
        if client is None:
            client = self._clients[key] = AgentClient(
                key, self._launcher, self.config.reconnect_timeout
            )
        return client

    def execution(
        self, spec: ProcessSpec, host: str | None, user: str | None, proc_id: str | None = None
    ) -> AgentExecution:
        """A process run by the agent of (`host`, `user`): started from `spec`, or
        followed by its `proc_id` (after a restart of the service)."""
        key = self.key(host, user)
        return AgentExecution(self.client(key), spec, host, key.user, proc_id)

    async def close(self) -> None:
        """Close every connection; the processes are left alone."""
        clients, self._clients = list(self._clients.values()), {}
        await asyncio.gather(*(client.close() for client in clients))
