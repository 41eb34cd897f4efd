"""How fast job files load and schedules produce times.

Writes a directory of 10,000 job files (a realistic mix of schedule types, params,
calendars and conditions), then prints:

  load_jobs_s            time to load and check the whole directory
  load_jobs_per_s        job files loaded per second
  schedule_times         schedule times in the next day, over all jobs
  schedule_times_s       time to generate them (merged per job, args narrowed)
  schedule_times_per_s   the rate
  rss_mib                resident memory after both

Usage: python bench/schedule_throughput.py [--jobs N]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apsis.jobs import load_job_dir

TEMPLATES = [
    "params: [time]\nprogram: {{type: no-op}}\n"
    "schedule: {{type: interval, interval: {minutes} min}}\n",
    "params: [date]\nprogram: echo {{{{ date }}}} {i}\n"
    "schedule: {{type: daily, tz: America/New_York, daytime: ['09:30', '16:00'], "
    "calendar: Mon-Fri}}\n",
    "params: [date, daytime]\nprogram: [echo, '{{{{ daytime }}}}']\n"
    "schedule: {{type: daily-interval, tz: Europe/London, start: '08:00', stop: '18:00', "
    "interval: 30 min}}\n",
    "program: echo cron {i}\nschedule: {{type: cron, expr: '*/{minutes} * * * *', tz: UTC}}\n",
    "params: [date]\nprogram: echo {{{{ date }}}}\n"
    "schedule: {{type: daily, tz: Asia/Tokyo, daytime: '07:00', cal_shift: 1, "
    "calendar: Mon-Fri}}\ncondition: {{type: max_running, count: 2}}\n",
]


def write_jobs(root: Path, count: int) -> None:
    for i in range(count):
        folder = root / f"group{i % 100:02d}"
        folder.mkdir(exist_ok=True)
        text = TEMPLATES[i % len(TEMPLATES)].format(i=i, minutes=5 + i % 55)
        (folder / f"job{i:05d}.yaml").write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_jobs(root, options.jobs)

        started = time.perf_counter()
        jobs = load_job_dir(root)
        load_s = time.perf_counter() - started

        start = datetime.now(UTC)
        horizon = start + timedelta(days=1)
        started = time.perf_counter()
        produced = 0
        for job in jobs.jobs.values():
            for run in job.scheduled_runs(start):
                if run.nominal >= horizon:
                    break
                produced += 1
        gen_s = time.perf_counter() - started

    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"jobs {len(jobs)}")
    print(f"load_jobs_s {load_s:.2f}")
    print(f"load_jobs_per_s {len(jobs) / load_s:.0f}")
    print(f"schedule_times {produced}")
    print(f"schedule_times_s {gen_s:.2f}")
    print(f"schedule_times_per_s {produced / gen_s:.0f}")
    print(f"rss_mib {rss_mib:.0f}")


if __name__ == "__main__":
    main()
