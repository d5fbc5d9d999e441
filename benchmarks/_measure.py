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


_CHILD_TIMED = """
import gc, importlib, json, re, resource, sys, time
sys.path.insert(0, {bench_dir!r})
def status_mb(key):  # VmRSS (now) or VmHWM (peak) of this process, Linux only
    try:
        status = open("/proc/self/status").read()
        return int(re.search(key + r":\\s+(\\d+)", status).group(1)) / 1024
    except (OSError, AttributeError):
        return None
module, func = {target!r}.split(":")
mod = importlib.import_module(module)
args = json.loads({args!r})
data = mod.load(**args)
warm = None
if {warmup!r}:
    t0 = time.perf_counter()
    getattr(mod, {warmup!r})(data)
    warm = time.perf_counter() - t0
gc.collect()
try:  # Linux: reset the peak RSS to the current RSS, so it measures the timed call only
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    reset = True
except OSError:
    reset = False
before = status_mb("VmRSS")
t0 = time.perf_counter()
out = getattr(mod, func)(data)
wall = time.perf_counter() - t0
peak_rss = status_mb("VmHWM") if reset else None
if peak_rss is None:  # ru_maxrss also keeps the peaks of exited threads: not reset
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
if {out_path!r}:
    out.to_parquet({out_path!r}, index=False)
    out = {{"rows": len(out)}}
print("@@RESULT@@" + json.dumps({{"wall_s": wall, "peak_rss_mb": peak_rss,
      "rss_before_mb": before, "peak_reset": reset, "worker_peak_rss_mb": workers,
      "warmup_s": warm, "out": out}}))
"""


def run_timed(
    target: str,
    args: dict,
    *,
    out_path: str | None = None,
    warmup: str | None = None,
    python: str | None = None,
    timeout_s: float | None = None,
) -> dict:
    """Run ``target`` once in a subprocess; time it after an optional untimed warm-up.

    Like :func:`run_isolated`, the child imports the module of ``target``
    (``module:function``) and builds its input with ``module.load(**args)``,
    untimed. If ``warmup`` names a function of the same module, the child
    calls it on the loaded data first, untimed (JIT compilation, caches).
    Then it times a single call of the function: no second traced call, so
    slow contenders run once. If ``out_path`` is given the function must
    return a DataFrame, which the child writes there as parquet.

    Returns ``wall_s``; ``peak_rss_mb``, the peak resident memory of the
    process during the timed call (interpreter, imports and loaded input
    included: on Linux the peak (``VmHWM``) is reset to the current RSS just
    before the call, ``peak_reset`` True; elsewhere it is the whole
    process's ``ru_maxrss``); ``rss_before_mb``, the resident memory just before the
    call, so ``peak_rss_mb - rss_before_mb`` is what the call added;
    ``worker_peak_rss_mb`` (the largest peak of any worker process the
    contender started, 0 if none); ``warmup_s``; and ``out`` (the
    function's JSON-able result, or ``{"rows": n}``). On a
    crash or timeout, a dict with only ``error`` (a one-line reason) and
    ``detail`` (the end of the child's stderr).
    """
    code = _CHILD_TIMED.format(
        bench_dir=str(Path(__file__).parent),
        target=target,
        args=json.dumps(args),
        warmup=warmup or "",
        out_path=out_path or "",
    )
    try:
        done = subprocess.run(
            [python or sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout_s,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout_s:.0f} s", "detail": ""}
    for line in done.stdout.splitlines():
        if line.startswith("@@RESULT@@"):
            return json.loads(line[len("@@RESULT@@") :])
    lines = [ln for ln in done.stderr.strip().splitlines() if ln.strip()]
    reason = lines[-1][:200] if lines else f"exit status {done.returncode}"
    return {"error": reason, "detail": done.stderr[-3000:]}
