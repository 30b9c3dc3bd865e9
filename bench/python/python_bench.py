#!/usr/bin/env python3
"""The Python module's benchmarks (issue 23), one JSON line per figure:

  {"bench":"python_request","impl":"python","p50_us":..,"p99_us":..,"workers":2}
  {"bench":"python_request","impl":"cpp",...}            the same request from C++
  {"bench":"python_kernel_request","impl":"python"|"cpp",...}   the adder kernel (CPU backend)
  {"bench":"python_actor_throughput","impl":"python","messages_per_s":..}

python_request: a blocking request of a shop.order to a typed C++ actor
(reply shop.score), round trip from Python (the objects written and read in
the types' binary form, python/src/typed_values.hpp) against the same request made by a scoped_actor in C++
(_ringactor_testing.time_scorer_requests) in the same run and system.
python_actor_throughput: messages a Python actor handles per second (sent
from Python, the last one a request so the count is complete).

Usage: python_bench.py [--quick] [--workers N]; needs _ringactor,
_ringactor_testing and the ringactor package on PYTHONPATH (bench/run sets it).
"""

import argparse
import json
import statistics
import time

import ringactor as ra
import _ringactor_testing as testing


def percentiles(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2], xs[min(len(xs) - 1, int(len(xs) * 0.99))]


def line(bench, impl, workers, **figures):
    print(json.dumps({"bench": bench, "impl": impl, **figures, "workers": workers}), flush=True)


def time_python(handle, msg, n):
    request = handle.request
    clock = time.perf_counter_ns
    out = []
    for _ in range(n):
        start = clock()
        request(msg, timeout=5.0)
        out.append((clock() - start) / 1000.0)
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args()
    n = 2_000 if args.quick else 50_000
    m = 20_000 if args.quick else 500_000
    with ra.ActorSystem(workers=args.workers) as sys_:
        testing.spawn_scorer(sys_._sys, "scorer")
        testing.spawn_adder_kernel(sys_._sys, "adder")
        scorer = sys_.lookup("scorer")
        adder = sys_.lookup("adder")
        order = ra.types.shop.order(id=7, qty=3, tags=[])
        add = ra.types.kernels.add(a=1, b=2)
        for bench, handle, name, msg, cpp in (
            ("python_request", scorer, "scorer", order, testing.time_scorer_requests),
            ("python_kernel_request", adder, "adder", add, testing.time_kernel_requests),
        ):
            time_python(handle, msg, n // 10)  # warm-up
            cpp(sys_._sys, name, n // 10)
            p50, p99 = percentiles(time_python(handle, msg, n))
            line(bench, "python", args.workers, p50_us=round(p50, 2), p99_us=round(p99, 2))
            p50, p99 = percentiles(cpp(sys_._sys, name, n))
            line(bench, "cpp", args.workers, p50_us=round(p50, 2), p99_us=round(p99, 2))

        count = [0]

        def counter(msg):
            count[0] += 1
            return count[0]

        c = sys_.spawn(counter)
        start = time.perf_counter()
        send = c.send
        for i in range(m - 1):
            send(i)
        assert c.request(m, timeout=60.0) == m
        elapsed = time.perf_counter() - start
        line("python_actor_throughput", "python", args.workers,
             messages_per_s=round(m / elapsed))


if __name__ == "__main__":
    main()
