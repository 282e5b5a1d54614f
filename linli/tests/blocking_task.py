"""A task for the worker-recovery test: its first run blocks until the worker is
killed; any later run finishes at once. Each run leaves a line in ``folder``."""

from __future__ import annotations

import time
from pathlib import Path

from django_tasks import task


@task()
def block_on_first_run(folder: str) -> str:
    runs = Path(folder) / "runs"
    with runs.open("a") as out:
        out.write("run\n")
    if runs.read_text().count("run") == 1:
        (Path(folder) / "started").touch()
        time.sleep(120)  # the test kills the worker long before this ends
    return "done"
