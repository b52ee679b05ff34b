#!/usr/bin/env python3
"""Achieved GFLOP/s of each side of a compare.sh run, against the cores' peak.

Usage: gflops.py FOLDER WORKLOADS(a,b,...) ROUNDS SIZE [--peak-ghz GHZ]
Reads FOLDER/{java,python}-NAME-ROUND.json (compare.sh with KEEP=FOLDER) for the run times (best round's median),
counts one run's floating-point operations with torch.utils.flop_counter.FlopCounterMode on the PyTorch workload of
tools/reference/bench.py at SIZE (convolutions, matrix products and attention, forward and backward: the work
both sides do; elementwise ops and norms are not counted), and prints GFLOP/s per side with two ceilings:
- measured: the best of three 4096 x 4096 torch.mm in the run's dtype on the run's thread count (libtorch's own
  GEMM: MKL for float32, oneDNN for bf16), what these cores reach on dense matrix products;
- nominal: threads x GHZ x FLOP per cycle, with 32 fp32 / 64 bf16 FLOP per cycle and core (two 256-bit FMA pipes,
  as on AMD Zen 4, whose AVX-512 is double-pumped; AVX512_BF16 dot products double it) and GHZ the base clock from
  /proc/cpuinfo's BogoMIPS / 2 unless --peak-ghz gives one.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))

FLOPS_PER_CYCLE = {"float32": 32, "bfloat16": 64, "float16": 32}


def best_median(folder, prefix, name, rounds):
    medians = []
    for r in range(1, rounds + 1):
        with open(f"{folder}/{prefix}-{name}-{r}.json") as f:
            medians.append(json.load(f)["results"][0]["median_ms"])
    return min(medians)


def workload_flops(torch, bench, name, size, dtype):
    """Floating-point operations of one timed run of workload NAME, under the run's autocast."""
    from torch.utils.flop_counter import FlopCounterMode
    x, _, inference, op, _, force_upcast = bench.prepare(torch, name, size, torch.device("cpu"))
    autocast = dtype != torch.float32 and not (dtype == torch.float16 and force_upcast)
    context = torch.inference_mode() if inference else torch.enable_grad()
    with context, torch.autocast("cpu", dtype=dtype, enabled=autocast), FlopCounterMode(display=False) as counter:
        op(x)
    return counter.get_total_flops()


def gemm_ceiling(torch, dtype, threads):
    torch.set_num_threads(threads)
    a = torch.randn(4096, 4096).to(dtype)
    b = torch.randn(4096, 4096).to(dtype)
    torch.mm(a, b)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - start)
    return 2 * 4096**3 / best / 1e9


def base_ghz():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.lower().startswith("bogomips"):
                return float(line.split(":")[1]) / 2 / 1000
    raise SystemExit("gflops.py: no BogoMIPS in /proc/cpuinfo; give --peak-ghz")


def main():
    args = sys.argv[1:]
    ghz = None
    if "--peak-ghz" in args:
        i = args.index("--peak-ghz")
        ghz = float(args[i + 1])
        del args[i:i + 2]
    if len(args) != 4:
        raise SystemExit(__doc__)
    folder, names, rounds, size = args[0], args[1].split(","), int(args[2]), int(args[3])
    import torch
    import bench
    with open(f"{folder}/java-{names[0]}-1.json") as f:
        report = json.load(f)
    dtype_name, threads = report["dtype"], int(report["threads"])
    dtype = getattr(torch, dtype_name)
    torch.manual_seed(0)
    measured = gemm_ceiling(torch, dtype, threads)
    nominal = threads * (ghz or base_ghz()) * FLOPS_PER_CYCLE[dtype_name]
    print(f"GFLOP/s, {dtype_name}, {threads} thread(s): ceilings measured (4096^2 torch.mm) {measured:.0f}, "
          f"nominal {nominal:.0f}")
    print(f"{'workload':22} {'GFLOP/run':>10} {'java GFLOP/s':>13} {'py GFLOP/s':>11} {'java %meas':>11} "
          f"{'java %nom':>10} {'py %meas':>9} {'py %nom':>8}")
    torch.set_num_threads(1)
    for name in names:
        flops = workload_flops(torch, bench, name, size, dtype) / 1e9
        java = flops / (best_median(folder, "java", name, rounds) / 1000)
        python = flops / (best_median(folder, "python", name, rounds) / 1000)
        print(f"{name:22} {flops:10.1f} {java:13.1f} {python:11.1f} {100 * java / measured:10.0f}% "
              f"{100 * java / nominal:9.0f}% {100 * python / measured:8.0f}% {100 * python / nominal:7.0f}%")
    print("FLOPs: convolutions, matrix products and attention as FlopCounterMode counts them on the PyTorch "
          "workload (forward and backward); elementwise ops, norms and optimizer steps are not counted.")


if __name__ == "__main__":
    main()
