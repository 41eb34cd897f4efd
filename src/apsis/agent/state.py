"""An agent's state directory: what is in it, and how to reach the agent that holds it.

```
agent.json       how to reach the running agent (pid, port, token, epoch); 0600
agent.lock       flock'ed by the running agent for its whole life
agent.log        the agent's log
cert.pem key.pem its certificate and key (tls.py); 0600
procs.jsonl      the process table, a journal (table.py)
spool/ID.out     each process's output
```

The lock, not agent.json, says whether an agent runs: a killed agent leaves its
agent.json behind, but the kernel releases its lock. A client therefore trusts
agent.json only once the agent it names answers with that pid (`probe`).
"""

from __future__ import annotations

import fcntl
import os
import pwd
from pathlib import Path

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from .protocol import API, PROTOCOL_VERSION, AgentStatus, StartInfo
from .tls import pinned_context, write_private

ENV_VAR = "APSIS_AGENT_DIR"


def default_state_dir() -> Path:
    """`$APSIS_AGENT_DIR`, else `~/.local/state/apsis/agent` of the effective user.

    The home directory comes from the password database, not `$HOME`: under `sudo -u`
    `$HOME` may still be the caller's, and the agent must not write there.
    """
    if value := os.environ.get(ENV_VAR):
        return Path(value)
    try:
        home = Path(pwd.getpwuid(os.geteuid()).pw_dir)
    except KeyError:
        home = Path.home()
    return home / ".local" / "state" / "apsis" / "agent"


class AgentFile(BaseModel):
    """agent.json: written by the agent once it listens, removed when it exits."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    protocol: int = PROTOCOL_VERSION
    version: str
    pid: int
    host: str
    user: str
    bind: str
    port: int
    token: str
    epoch: str
    start: str

    @property
    def address(self) -> str:
        """Where a client on this host connects: loopback for a wildcard bind."""
        host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(self.bind, self.bind)
        return f"[{host}]" if ":" in host else host


class StateDir:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.agent_file = path / "agent.json"
        self.lock_file = path / "agent.lock"
        self.log_file = path / "agent.log"
        self.cert_file = path / "cert.pem"
        self.key_file = path / "key.pem"
        self.table_file = path / "procs.jsonl"
        self.spool = path / "spool"

    def create(self) -> None:
        """Make the directory and its subdirectories, private to this user."""
        for directory in (self.path, self.spool):
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.path, 0o700)

    def lock(self) -> int | None:
        """Take the agent lock: its fd, to hold for the agent's life; None if it is held."""
        fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        return fd

    def write_agent(self, agent: AgentFile) -> None:
        write_private(self.agent_file, agent.model_dump_json().encode())

    def read_agent(self) -> AgentFile | None:
        try:
            return AgentFile.model_validate_json(self.agent_file.read_bytes())
        except (FileNotFoundError, ValidationError):
            return None

    def client(self, agent: AgentFile, timeout: float = 10.0) -> httpx.Client:
        """An HTTPS client to `agent` that trusts only this directory's certificate."""
        return httpx.Client(
            base_url=f"https://{agent.address}:{agent.port}{API}",
            verify=pinned_context(self.cert_file.read_text()),
            headers={"Authorization": f"Bearer {agent.token}"},
            timeout=timeout,
        )

    def probe(self, timeout: float = 5.0) -> tuple[AgentFile, AgentStatus] | None:
        """The agent agent.json names, if it runs and answers as that pid; else None."""
        agent = self.read_agent()
        if agent is None or not self.cert_file.exists():
            return None
        try:
            with self.client(agent, timeout) as client:
                response = client.get("/agent")
        except httpx.HTTPError:
            return None
        if response.status_code != 200:
            return None
        status = AgentStatus.model_validate_json(response.content)
        return (agent, status) if status.pid == agent.pid else None

    def start_info(self, agent: AgentFile, started: bool) -> StartInfo:
        return StartInfo(
            version=agent.version,
            pid=agent.pid,
            host=agent.host,
            user=agent.user,
            port=agent.port,
            token=agent.token,
            cert=self.cert_file.read_text(),
            started=started,
        )
