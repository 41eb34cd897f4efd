"""A real OpenSSH server on a free loopback port, and the client config that reaches it.

The remote-host tests (SPEC §10) drive the agent through the system `ssh`, exactly as
production does; the only thing that differs is where ssh connects: `localhost` and
`apsis-test-host` are aliases, in an ssh config file of our own, for 127.0.0.1 on the
port of an sshd we start for the session. The service gets that file through
`agent.ssh_options: ["-F", FILE]`. `apsis-unreachable` is an alias for a loopback port
nobody listens on.

The server trusts one client key of ours for every user (`AuthorizedKeysFile` in the
temp dir, `StrictModes no`) and nothing else: no passwords, no PAM. The client's
known-hosts file is written beforehand with the server's key, so concurrent first
connections never race to add it.
"""

from __future__ import annotations

import getpass
import os
import shlex
import signal
import subprocess
import textwrap
from pathlib import Path

from live_service import free_port, wait_for

SSHD = "/usr/sbin/sshd"
SSH = "ssh"
KEYGEN = "ssh-keygen"
PRIVSEP_DIR = Path("/run/sshd")
"""sshd refuses to start as root without its privilege-separation directory, which
only the Debian service unit creates."""
HOSTS = ("localhost", "apsis-test-host")
UNREACHABLE = "apsis-unreachable"
AGENT_DIR_VAR = "APSIS_AGENT_DIR"
"""The agent's default state directory (apsis.agent.state.ENV_VAR), which a test's
ssh config sends to the server."""
POOL = "pool"
"""The name of the round-robin host group over `HOSTS` in the tests' service config."""
READY_DEADLINE = 20.0


def _keygen(path: Path) -> str:
    """A new ed25519 key pair at `path`; the public key's line."""
    subprocess.run(
        [KEYGEN, "-q", "-t", "ed25519", "-N", "", "-C", "apsis-test", "-f", str(path)],
        check=True, stdin=subprocess.DEVNULL, capture_output=True,
    )  # fmt: skip
    return path.with_suffix(".pub").read_text().strip()


class Sshd:
    """An sshd over `root`; `start()` returns once ssh gets through."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.closed_port = free_port()
        self.user = getpass.getuser()
        self.config = root / "ssh_config"
        """The client config file: pass it with `-F`."""
        self.log_path = root / "sshd.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def ssh_options(self) -> list[str]:
        """What `agent.ssh_options` must hold for the service to use this server."""
        return ["-F", str(self.config)]

    def test_config(self, path: Path, agent_dirs: Path) -> list[str]:
        """Write, at `path`, a client config for one test: this server's, plus
        `APSIS_AGENT_DIR=agent_dirs/HOST` in the environment of what it runs on each of
        `HOSTS`; the ssh options that use it.

        An agent started without `--state-dir` thus keeps its state in the test's
        directory rather than the user's home, and each alias gets an agent of its own,
        as two real hosts would; a process can tell which from its agent's environment.
        """
        blocks = "".join(
            f"Host {host}\n    SetEnv {AGENT_DIR_VAR}={agent_dirs / host}\n" for host in HOSTS
        )
        path.write_text(f"{blocks}Host *\n    Include {self.config}\n")
        return ["-F", str(path)]

    def start(self) -> None:
        root = self.root
        if os.geteuid() == 0:
            PRIVSEP_DIR.mkdir(mode=0o755, exist_ok=True)
        host_key = _keygen(root / "host_key")
        client_key = _keygen(root / "client_key")
        (root / "authorized_keys").write_text(client_key + "\n")
        (root / "known_hosts").write_text(f"[127.0.0.1]:{self.port} {host_key}\n")
        (root / "sshd_config").write_text(
            textwrap.dedent(f"""\
            ListenAddress 127.0.0.1
            Port {self.port}
            HostKey {root / "host_key"}
            PidFile {root / "sshd.pid"}
            AuthorizedKeysFile {root / "authorized_keys"}
            StrictModes no
            PermitRootLogin prohibit-password
            PubkeyAuthentication yes
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            PrintMotd no
            PrintLastLog no
            # Tests open several connections at once (a host group, agents and runs).
            MaxStartups 100
            MaxSessions 100
            # Lets a test give the agents it starts a state directory of its own.
            AcceptEnv {AGENT_DIR_VAR}
            LogLevel VERBOSE
            """)
        )
        aliases = " ".join(HOSTS)
        (root / "ssh_config").write_text(
            textwrap.dedent(f"""\
            Host {aliases}
                HostName 127.0.0.1
                Port {self.port}
                User {self.user}
            Host {UNREACHABLE}
                HostName 127.0.0.1
                Port {self.closed_port}
            Host *
                IdentityFile {root / "client_key"}
                IdentitiesOnly yes
                UserKnownHostsFile {root / "known_hosts"}
                GlobalKnownHostsFile /dev/null
                StrictHostKeyChecking accept-new
                BatchMode yes
                ConnectTimeout 10
                ServerAliveInterval 5
                LogLevel ERROR
            """)
        )
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [SSHD, "-D", "-e", "-f", str(root / "sshd_config")],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            )  # fmt: skip
        wait_for("sshd to let ssh in", self._answers, READY_DEADLINE)

    def _answers(self) -> bool | None:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"sshd exited {self.process.returncode}:\n{self.log}")
        done = self.ssh("localhost", "true", check=False, timeout=READY_DEADLINE)
        return True if done.returncode == 0 else None

    def ssh(
        self, host: str, *command: str, check: bool = True, timeout: float = 30.0
    ) -> subprocess.CompletedProcess[str]:
        """Run `command` (words, quoted for the remote shell) on `host` through this
        server, as the service would."""
        remote = " ".join(shlex.quote(word) for word in command)
        done = subprocess.run(
            [SSH, *self.ssh_options, "-o", "BatchMode=yes", host, remote],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
        if check and done.returncode != 0:
            raise AssertionError(
                f"ssh {host} {remote} exited {done.returncode}:\n{done.stderr}\n{self.log}"
            )
        return done

    def stop(self) -> None:
        """SIGTERM the listener. Sessions it forked are not its business here: the
        agents they started are killed by the tests' own teardown."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(READY_DEADLINE)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    @property
    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""


def environment_over_ssh(sshd: Sshd, host: str) -> dict[str, str]:
    """The environment a command run over ssh gets (what the agent will inherit)."""
    out = sshd.ssh(host, "env", "-0").stdout
    pairs = (item.split("=", 1) for item in out.split("\0") if "=" in item)
    return dict(pairs)
