from __future__ import annotations

import pytest

from apsis.errors import SpecError
from apsis.yamlfile import parse_yaml


def test_only_true_and_false_are_booleans() -> None:
    data = parse_yaml("retry: {on: [failure], count: 2}\nflag: yes\nenabled: false")
    assert data == {"retry": {"on": ["failure"], "count": 2}, "flag": "yes", "enabled": False}


def test_timestamps_stay_text_for_our_own_parsers() -> None:
    assert parse_yaml("t: 2026-11-21T10:00:00Z\nd: 2026-13-01") == {
        "t": "2026-11-21T10:00:00Z",
        "d": "2026-13-01",
    }


def test_duplicate_keys_are_an_error_with_their_line() -> None:
    with pytest.raises(SpecError, match=r"^line 3: duplicate key 'schedule'$"):
        parse_yaml("program: {type: no-op}\nschedule: {type: interval, interval: 1h}\nschedule: x")


def test_syntax_errors_name_line_and_column() -> None:
    with pytest.raises(
        SpecError, match=r"^line 2, column 1: not valid YAML: did not find expected node content$"
    ):
        parse_yaml("a: [")
