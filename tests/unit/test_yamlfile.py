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


def test_anchors_aliases_and_merge_keys_build_the_same_values() -> None:
    data = parse_yaml("a: &x {b: 1, c: [0x10, 2.5, null, true]}\nd: *x\ne: {<<: *x, f: 2}")
    assert data == {
        "a": {"b": 1, "c": [16, 2.5, None, True]},
        "d": {"b": 1, "c": [16, 2.5, None, True]},
        "e": {"b": 1, "c": [16, 2.5, None, True], "f": 2},
    }


def test_a_collection_as_a_key_is_an_error_with_its_line() -> None:
    with pytest.raises(SpecError, match=r"^line 2: a key must be a scalar, not a collection$"):
        parse_yaml("a: 1\n? [1]\n: 2")


def test_an_empty_document_is_none() -> None:
    assert parse_yaml("") is None
