"""Run one contender in a fresh subprocess and record its wall time and peak memory.

Shared by the benchmark scripts: a contender is ``module:function`` taking
the path of an input file and returning a small dict of results. Each run is
its own process, so peak RSS is not polluted by other contenders. Wall time
comes from a first, untraced call; ``extra_peak_mb`` from a second call under
:mod:`tracemalloc` (numpy and pandas report their buffers to it): the peak
memory the contender allocated above its input.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

_CHILD = """
import importlib, json, resource, sys, time, tracemalloc
sys.path.insert(0, {bench_dir!r})
module, func = {target!r}.split(":")
fn = getattr(importlib.import_module(module), func)
args = json.loads({args!r})
load = getattr(importlib.import_module(module), "load")
data = load(**args)
t0 = time.perf_counter()
out = fn(data)
wall = time.perf_counter() - t0
peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
tracemalloc.start()
fn(data)
extra = tracemalloc.get_traced_memory()[1] / 2**20
tracemalloc.stop()
print("@@RESULT@@" + json.dumps({{"wall_s": wall, "peak_rss_mb": peak_rss,
      "extra_peak_mb": extra, "out": out}}))
"""


def run_isolated(target: str, args: dict, *, python: str | None = None) -> dict:
    """Run ``target`` (``module:function``) on ``load(**args)`` in a subprocess."""
    code = _CHILD.format(bench_dir=str(Path(__file__).parent), target=target, args=json.dumps(args))
    done = subprocess.run(
        [python or sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    for line in done.stdout.splitlines():
        if line.startswith("@@RESULT@@"):
            return json.loads(line[len("@@RESULT@@") :])
    raise RuntimeError(f"{target} failed:\n{done.stderr[-3000:]}")


def machine() -> dict:
    """Cores, CPU model, Python and date: the context every number needs."""
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
    }
