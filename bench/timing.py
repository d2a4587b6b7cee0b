"""Timing shared by the benchmarks: p50/p99 ms of a call, after warm-ups (numpy only: edge_backends.py
runs on a robot without torch)."""
import time

import numpy as np


def p50_p99_ms(fn, runs, warmup=3):
    """((p50, p99) ms, the last result) of `fn()` over `runs` calls after `warmup` untimed ones."""
    for _ in range(warmup):
        fn()
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return (np.percentile(times, 50) * 1e3, np.percentile(times, 99) * 1e3), result
