"""The agent (SPEC §10): a per-(host, user) daemon that holds the processes of runs, so
they outlive a restart of the service and can run on other hosts.

`protocol` is the contract between the two sides.

The agent's side: `daemon` (pid file, lock, detaching), `state` (its state directory),
`tls` (certificate and token), `server` (the HTTPS API), `processes` (spawning,
reaping, stopping), `spool` (output files), `table` (the process table on disk),
`events` (the ring of events clients long-poll) and `launch` (start or find the agent
of a state directory).

The service's side: `launcher` (start or find an agent locally, over ssh or via
sudo), `client` (one connection per agent: requests, the events poll, reconnects),
`follower` (what the service knows of one process), `pool` (the clients by host and
user), `hosts` (host groups) and `execution` (a process program's run through an
agent).
"""
