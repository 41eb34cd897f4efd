"""The agent (SPEC §10): a per-(host, user) daemon that holds the processes of runs, so
they outlive a restart of the service and can run on other hosts.

`protocol` is the contract between the two sides. The agent's side: `server`,
`processes`, `table`, `tls`, `daemon`. The service's side: `launcher` (start or find an
agent locally, over ssh or via sudo), `client`, `pool`, `hosts` (host groups) and
`execution` (a process program's run through an agent).
"""
