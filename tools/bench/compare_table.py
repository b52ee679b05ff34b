#!/usr/bin/env python3
"""Prints the Java/Python comparison table from the JSON reports compare.sh collected.

Usage: compare_table.py FOLDER WORKLOADS(a,b,...) ROUNDS THREADS
Reads FOLDER/{java,python}-NAME-ROUND.json (the `vae bench --json` / bench.py --json schema). Per side it shows
the median over all timed runs of all rounds and the best round's median (the least disturbed by other load on
the machine); the ratio is Java / Python of the best-round medians, and of the all-run medians in brackets. Then, per
side, the median CPU time of a run (the whole process, all threads; other load changes it far less than wall time) and
its Java / Python ratio, where both reports carry it.
"""
import json
import statistics
import sys


def side(folder, prefix, name, rounds):
    times, cpu, medians, peaks, cuda, shape = [], [], [], [], [], None
    for r in range(1, rounds + 1):
        with open(f"{folder}/{prefix}-{name}-{r}.json") as f:
            result = json.load(f)["results"][0]
        times += result["times_ms"]
        cpu += result.get("cpu_ms", [])
        medians.append(result["median_ms"])
        peaks.append(result["peak_rss_mb"])
        cuda.append(result.get("peak_cuda_mb", -1))
        shape = result["input_shape"]
    return {"all": statistics.median(times), "best": min(medians), "rss": max(peaks), "cuda": max(cuda),
            "cpu": statistics.median(cpu) if cpu else None, "shape": str(shape).replace(" ", "")}


def main():
    folder, names, rounds, threads = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3]), sys.argv[4]
    with open(f"{folder}/java-{names[0]}-1.json") as f:
        report = json.load(f)
    print(f"Java (vae4j) vs Python (PyTorch eager / diffusers): {threads} thread(s), {report['dtype']}, "
          f"{report.get('memory_format', 'contiguous')}, "
          f"{rounds} alternating round(s) (A B A B)")
    print(f"{'workload':22} {'input':15} {'java best':>10} {'py best':>9} {'java all':>9} {'py all':>9} "
          f"{'java/py':>8} {'(all)':>7} {'java RSS':>9} {'py RSS':>8}"
          + (f" {'java CUDA':>10} {'py CUDA':>8} {'j/p':>5}" if report["device"] == "cuda" else ""))
    for name in names:
        j, p = side(folder, "java", name, rounds), side(folder, "python", name, rounds)
        print(f"{name:22} {j['shape']:15} {j['best']:10.1f} {p['best']:9.1f} {j['all']:9.1f} {p['all']:9.1f} "
              f"{j['best'] / p['best']:8.3f} {j['all'] / p['all']:7.3f} {j['rss']:9.1f} {p['rss']:8.1f}"
              + (f" {j['cuda']:10.1f} {p['cuda']:8.1f} {j['cuda'] / p['cuda']:5.2f}" if report["device"] == "cuda"
                 else ""))
    cpu = [(name, side(folder, "java", name, rounds)["cpu"], side(folder, "python", name, rounds)["cpu"])
           for name in names]
    if all(j is not None and p is not None for _, j, p in cpu):
        print(f"{'workload':22} {'java CPU ms':>12} {'py CPU ms':>10} {'java/py':>8}")
        for name, j, p in cpu:
            print(f"{name:22} {j:12.1f} {p:10.1f} {j / p:8.3f}")
    print("times in ms: best = best round's median, all = median of every timed run; java/py < 1: Java faster;"
          " RSS = peak resident MiB above the RSS before the model was built (max over rounds);"
          " CUDA = peak MiB allocated by tensors (caching allocator statistics, max over rounds);"
          " CPU = median CPU time of a timed run, whole process, all threads")


if __name__ == "__main__":
    main()
