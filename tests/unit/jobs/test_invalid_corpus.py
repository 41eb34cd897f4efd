"""Each file in tests/corpus/invalid is one bad job; its `# expect:` lines are the
exact errors `load_job_dir` must report for it (after the file name)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from apsis.errors import JobDirErrors
from apsis.jobs import load_job_dir

CORPUS = Path(__file__).parents[2] / "corpus"
CASES = sorted((CORPUS / "invalid").glob("*.yaml"))


def expected_messages(path: Path) -> list[str]:
    prefix = "# expect: "
    lines = path.read_text().splitlines()
    return [line[len(prefix) :] for line in lines if line.startswith(prefix)]


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_invalid_job_reports_exact_errors(case: Path, tmp_path: Path) -> None:
    shutil.copytree(CORPUS / "base", tmp_path, dirs_exist_ok=True)
    shutil.copy(case, tmp_path / case.name)
    with pytest.raises(JobDirErrors) as info:
        load_job_dir(tmp_path)
    label = str(tmp_path / case.name)
    assert [e.message for e in info.value.errors] == [
        f"{label}: {m}" for m in expected_messages(case)
    ]


def test_corpus_base_jobs_are_valid() -> None:
    assert sorted(load_job_dir(CORPUS / "base").jobs) == ["plain", "upstream"]


def test_every_corpus_case_states_its_errors() -> None:
    assert len(CASES) >= 30
    assert all(expected_messages(case) for case in CASES)
