#!/usr/bin/env python3
"""W1 accuracy check: ecsim's response times against the closed-form queueing results.

usage: scripts/w1-accuracy.py [--ecsim PATH] [--R 1e6] [--bench ../shared/bench] [--seed 1]

For each of the six W1 cells (rho 0.5 / 0.8 / 0.95 x routing random / rr) it writes the
scenario with the bench's w1gen.py (--warm: the first R/10 arrivals go to target group 'warm',
so group 'main' is the post-warm-up statistic, as W1 defines it), runs ecsim, and compares
the mean, median and 99th percentile of group 'main' with analytic_w1.csv (random = M/M/1,
rr = E100/M/1). Prints one row per cell and exits 1 if any value is outside its tolerance.

Tolerances (relative), derived for R = 10^6 (n = 9 x 10^5 measured requests over 100
independent targets): successive M/M/1 response times are correlated, with an integrated
autocorrelation time of about (1 + rho) / (1 - rho)^2 requests, so the n requests are worth
n_eff = n (1 - rho)^2 / (1 + rho) independent ones; the response time's coefficient of
variation is 1 (exponential), so the mean's relative standard error is 1 / sqrt(n_eff):
0.26 % at rho 0.5, 0.71 % at 0.8, 2.9 % at 0.95. The tolerance is four standard errors plus
0.2 % (histogram bucket and the start-up bias left after the warm-up cut): 1.3 %, 3.1 %,
12 %. Percentiles of a distribution whose density is smooth have standard errors of the same
order as the mean's; they get 1.5 times the mean's tolerance. Round robin (E100/M/1) has more
regular arrivals and so less variance: the M/M/1 figures are conservative for it. A smaller R
scales every tolerance by sqrt(10^6 / R).
"""
import argparse
import csv
import json
import math
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def tolerance(rho, r):
    n_eff = 0.9 * r * (1 - rho) ** 2 / (1 + rho)
    return 4 / math.sqrt(n_eff) + 0.002


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ecsim", default=os.path.join(HERE, "..", "target", "release", "ecsim"))
    ap.add_argument("--bench", default=os.path.join(HERE, "..", "..", "shared", "bench"))
    ap.add_argument("--R", type=float, default=1e6)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    r = int(a.R)
    rows = list(csv.DictReader(open(os.path.join(a.bench, "analytic_w1.csv"))))
    cells = [(row["routing"], float(row["rho"]), row) for row in rows if row["k"] == "1"]
    failed = 0
    print(f"{'cell':<14} {'stat':<5} {'ecsim':>10} {'analytic':>10} {'error':>8} {'tol':>7}")
    with tempfile.TemporaryDirectory(prefix="w1acc") as tmp:
        for routing, rho, row in cells:
            scenario = os.path.join(tmp, f"w1-{routing}-{rho}.toml")
            out = os.path.join(tmp, f"out-{routing}-{rho}")
            subprocess.run([sys.executable, os.path.join(a.bench, "scenarios", "w1gen.py"), str(rho), routing,
                            str(r), "--warm", "--seed", str(a.seed), "--out", scenario], check=True)
            subprocess.run([a.ecsim, "run", scenario, "-q", "--out", out], check=True)
            summary = json.load(open(os.path.join(out, "summary.json")))
            main_group = next(g for g in summary["traffic"]["target_groups"] if g["target_group"] == "main")
            tol = tolerance(rho, r)
            for stat, key, tol_stat in [("mean", "resp_mean", tol), ("p50", "resp_p50", 1.5 * tol),
                                        ("p99", "resp_p99", 1.5 * tol)]:
                got = main_group[f"latency_ms_{'avg' if stat == 'mean' else stat}"] / 1000.0
                want = float(row[key])
                err = got / want - 1
                ok = abs(err) <= tol_stat
                failed += not ok
                print(f"{routing + ' ' + str(rho):<14} {stat:<5} {got:>10.5f} {want:>10.5f} {err:>+8.2%} "
                      f"{tol_stat:>6.1%} {'' if ok else 'FAIL'}")
    print("all within tolerance" if not failed else f"{failed} value(s) outside tolerance")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
