"""Host groups (SPEC §8, §10): a program's `host` may name a group of the config, and
each run then gets one host of it.

`round-robin` takes the group's hosts in turn, so consecutive runs spread evenly;
`random` picks one uniformly; `single` (a group written as one string, an alias) always
gives its host. A name that is not a group is a host name and passes through unchanged.
The turn of a round-robin group lives in memory: after a restart it begins again at the
first host, which only shifts where the next runs land.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Mapping

from ..config import HostGroup


class HostPicker:
    def __init__(self, groups: Mapping[str, HostGroup], rng: random.Random | None = None) -> None:
        self._groups = dict(groups)
        self._rng = rng or random.Random()
        self._turns: dict[str, Iterator[str]] = {
            name: itertools.cycle(group.hosts)
            for name, group in groups.items()
            if group.type == "round-robin"
        }

    def always_the_same(self, host: str) -> bool:
        """Whether every pick for `host` gives the same host."""
        group = self._groups.get(host)
        return group is None or len(set(group.hosts)) == 1

    def pick(self, host: str) -> str:
        """The host a run of a program with this `host` goes to."""
        group = self._groups.get(host)
        if group is None:
            return host
        if group.type == "round-robin":
            return next(self._turns[host])
        if group.type == "random":
            return self._rng.choice(group.hosts)
        return group.hosts[0]
