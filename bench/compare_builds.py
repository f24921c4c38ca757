#!/usr/bin/env python3
"""Two stratus builds on the same request mix, runs interleaved (A, B, A, B, ...) so that drift of
the machine (thermal, other load) falls on both: requests/s at 64 connections per run and the
median of each build. Uses api_throughput's servers, mix and wrk driver; no moto.

Usage: python3 bench/compare_builds.py BASELINE_BINARY CANDIDATE_BINARY [--runs 3] [--seconds 10]
"""
import argparse
import os
import shutil
import statistics
import tempfile

import api_throughput as bench


def one_run(binary, seconds):
    """Requests/s of `binary` on a fresh data dir, 64 connections."""
    work = tempfile.mkdtemp(prefix="stratus-bench-")
    procs = []
    try:
        endpoint = bench.start_servers(work, binary, procs, moto=False)["stratus"]
        sg, _ = bench.prepare(endpoint)
        script = os.path.join(work, "mix.lua")
        with open(script, "w") as f:
            f.write(bench.lua_script(endpoint, bench.request_mix("default", sg)))
        return bench.run_wrk(endpoint, script, 64, seconds)["rps"]
    finally:
        bench.stop_all(procs)
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("baseline")
    parser.add_argument("candidate")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    results = {"baseline": [], "candidate": []}
    for _ in range(args.runs):
        for name in ("baseline", "candidate"):
            results[name].append(one_run(getattr(args, name), args.seconds))
    print("| build | requests/s per run (64 connections) | median |")
    print("|---|---|---|")
    for name, runs in results.items():
        print("| %s | %s | %.0f |" % (name, ", ".join("%.0f" % r for r in runs), statistics.median(runs)))
    print("\ncandidate/baseline: %.2f" % (statistics.median(results["candidate"]) / statistics.median(results["baseline"])))


if __name__ == "__main__":
    main()
