"""Shared helpers for the benchmarks: timing statistics and a machine description."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    """Milliseconds of each run."""
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def timed_pair(
    a: Callable[[], object], b: Callable[[], object], runs: int
) -> tuple[list[float], list[float]]:
    """Milliseconds of each run of ``a`` and ``b``, taken in turns (a, b, a, b …), so a
    ratio of the two is not skewed by the machine getting slower or faster in between."""
    out_a: list[float] = []
    out_b: list[float] = []
    for _ in range(runs):
        for fn, out in ((a, out_a), (b, out_b)):
            t0 = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t0) * 1000)
    return out_a, out_b


def p95(samples: list[float]) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, round(0.95 * (len(s) - 1)))]


def summary(label: str, samples: list[float]) -> str:
    s = sorted(samples)
    return (
        f"{label:<34} n={len(s):<5} p50={statistics.median(s):7.2f} ms  "
        f"p95={p95(s):7.2f} ms  max={s[-1]:7.2f} ms"
    )


CONFIG_ENV = ("KAIDAN_PEPPER_FILE", "KAIDAN_KEYMAP", "XDG_CONFIG_HOME", "HOME")


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=False).stdout


def tmux_start(session: str, width: int, height: int, command: str) -> None:
    """A new detached session running ``command`` with this process's configuration
    (the pepper that opened the bench store above all): a tmux server started earlier,
    by someone else, would otherwise hand the app its own environment."""
    tmux("kill-session", "-t", session)
    env = [f"-e{k}={os.environ[k]}" for k in CONFIG_ENV if k in os.environ]
    tmux("new-session", "-d", "-s", session, "-x", str(width), "-y", str(height), *env, command)


def p50(samples: list[float]) -> float:
    return statistics.median(samples)
