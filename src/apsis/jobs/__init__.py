"""Loading and checking a job directory; previewing what its jobs will do."""

from .directory import JobDir, job_files, load_job_dir
from .load import parse_job
from .match import AmbiguousJob, match_job_id
from .preview import preview_runs, run_to_jso

__all__ = [
    "AmbiguousJob",
    "JobDir",
    "job_files",
    "load_job_dir",
    "match_job_id",
    "parse_job",
    "preview_runs",
    "run_to_jso",
]
