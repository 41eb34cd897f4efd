"""`apsis`, the user's command line: a client of the REST API (SPEC §9.3).

client.py      the API client: the one place that knows URLs; every failure is an ApiError
commands.py    the command group; jobs, runs, schedule, adhoc, schedule-preview
operations.py  rerun, skip, start, stop, signal, mark
live.py        output, watch, wait: following a run by polling
session.py     what commands share: the session, failures, common arguments
output.py      tables (rich on a terminal, plain when piped), details, JSON and YAML
times.py       TIME arguments (`now`, `+10m`, ISO, `HH:MM`) as the API takes them
"""
