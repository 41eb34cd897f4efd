"""What the service and an agent say to each other (SPEC §10): one versioned contract.

The agent speaks HTTPS under `/api/v1`; every request carries `Authorization: Bearer
TOKEN` (a wrong or missing token is answered 403). Errors are `{"error": message}`.

- `GET /api/v1/agent` → `AgentStatus`.
- `POST /api/v1/processes`, body `StartRequest` → `ProcessInfo`; 400 `{"error"}` if it
  cannot start, 403 for another user.
- `POST /api/v1/processes/batch`, body `StartBatch` → `StartResults`: each request in
  turn, as above, answered in order. Runs fall due together, and one request for all
  of them costs one round trip instead of one each.
- `GET /api/v1/processes` → `{"processes": [ProcessInfo, ...]}`.
- `GET /api/v1/processes/{proc_id}` → `ProcessInfo`; 404 if unknown.
- `GET /api/v1/processes/{proc_id}/output?offset=N&length=M` → raw bytes from `offset`
  (at most 16 MiB a call); header `X-Output-Length` is the whole length.
- `POST /api/v1/processes/{proc_id}/stop`: the stop signal to the process group, SIGKILL
  after the grace period → `ProcessInfo`.
- `POST /api/v1/processes/{proc_id}/signal/{signal}`: a signal (name or number) to the
  group → `ProcessInfo`.
- `DELETE /api/v1/processes/{proc_id}`: forget it (SIGKILL its group if it still runs,
  delete its spool) → 204.
- `POST /api/v1/release`, body `{"proc_ids": [...]}`: forget each, as DELETE →
  `{"released": n}`.
- `GET /api/v1/events?after=SEQ&timeout=S&epoch=E` → `Events` (a long poll).
- `POST /api/v1/shutdown`: the agent exits; its processes keep running and are
  re-adopted at its next start.

Events are how completion reaches the service without polling: the call returns as soon
as there is an event with `seq > after`, or after `timeout` seconds (at most 60) with
none. An agent keeps its last 10,000 events; a client that is further behind, or whose
`epoch` differs from the agent's (the agent restarted), gets `reset: true` and must ask
for each process it follows. The exit event of a process whose whole output is at most
`INLINE_OUTPUT` bytes carries that output, base64-encoded, so a short run costs one
request to start and a share of one long poll.

`apsis-agent start` prints one `StartInfo` as a JSON line on stdout: how to reach the
agent that runs (or has just been started) for this user in this state directory.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

PROTOCOL_VERSION = 1
API = "/api/v1"
INLINE_OUTPUT = 64 * 1024
EVENTS_KEPT = 10_000
MAX_POLL = 60.0
OUTPUT_LENGTH_HEADER = "X-Output-Length"


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StartInfo(_Message):
    """What `apsis-agent start` prints."""

    protocol: int = PROTOCOL_VERSION
    version: str
    """The agent's Apsis version."""
    pid: int
    host: str
    user: str
    port: int
    token: str
    cert: str
    """The agent's certificate, PEM: the client trusts exactly this one (pinning)."""
    started: bool
    """True if this call started the agent, False if it found one running."""


class AgentStatus(_Message):
    version: str
    pid: int
    host: str
    user: str
    epoch: str
    start: str
    """When the agent started, ISO 8601 UTC."""
    processes: int
    running: int


class StartRequest(_Message):
    run_id: str
    user: str
    argv: list[str]
    env: dict[str, str]
    """The whole environment of the process (the agent adds nothing)."""
    cwd: str
    stop_signal: str = "SIGTERM"
    grace_period: float = 60.0
    timeout: float | None = None
    """Seconds after which the agent ends the process as for a stop, with `timeout_signal`."""
    timeout_signal: str = "SIGTERM"
    key: str | None = None
    """Makes the start idempotent: while the agent holds a process started with this
    key, another start with it answers that process instead of starting one more. A
    service that died before it heard the answer asks again with the same key."""


class StartBatch(_Message):
    processes: list[StartRequest]


class ProcessInfo(_Message):
    proc_id: str
    run_id: str
    pid: int
    pgid: int
    host: str
    user: str
    start: str
    state: Literal["running", "exited"]
    ending: Literal["stop", "timeout"] | None = None
    """Why the agent is ending (or ended) the process, if it is."""
    output_length: int = 0
    status: int | None = None
    """Once exited: as `os.waitstatus_to_exitcode` (negative: killed by that signal);
    None if the agent could not learn it (it was restarted while the process ran)."""
    rusage: dict[str, float] | None = None
    end: str | None = None
    elapsed: float | None = None


class StartResult(_Message):
    """One answer of a batch: the process, or the error and status a single start
    would have answered."""

    process: ProcessInfo | None = None
    error: str | None = None
    status: int = 200


class StartResults(_Message):
    results: list[StartResult]


class Event(_Message):
    seq: int
    proc_id: str
    type: Literal["output", "exit"]
    output_length: int
    process: ProcessInfo | None = None
    """On `exit`: the process as it ended."""
    output: str | None = None
    """On `exit`, when the whole output is at most `INLINE_OUTPUT` bytes: it, base64."""


class Events(_Message):
    epoch: str
    seq: int
    """The latest sequence number: pass it as `after` next time."""
    reset: bool = False
    events: list[Event] = []


class ReleaseRequest(_Message):
    proc_ids: list[str]
