"""Fuzzy job IDs (SPEC §9.1): let a user type `load pri` for `data/load prices`."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..errors import ApsisError, NoSuchJob

_WORD = re.compile(r"[A-Za-z0-9]+")


class AmbiguousJob(ApsisError):
    def __init__(self, target: str, matches: list[str]) -> None:
        self.target = target
        self.matches = matches
        super().__init__(f"ambiguous job {target!r}; matches: {', '.join(matches)}")


def match_job_id(target: str, job_ids: Iterable[str]) -> str:
    """The one job ID `target` names.

    1. An exact ID wins.
    2. Otherwise split the target and each ID into words on non-alphanumerics; an ID
       matches if every target word is a prefix of one of its words.
    3. One match is the answer; none raises NoSuchJob; several raise AmbiguousJob.
    """
    ids = list(job_ids)
    if target in ids:
        return target
    words = [w.lower() for w in _WORD.findall(target)]
    if not words:
        raise NoSuchJob(target)
    matches = []
    for job_id in ids:
        job_words = [w.lower() for w in _WORD.findall(job_id)]
        if all(any(jw.startswith(w) for jw in job_words) for w in words):
            matches.append(job_id)
    if not matches:
        raise NoSuchJob(target)
    if len(matches) > 1:
        raise AmbiguousJob(target, sorted(matches))
    return matches[0]
