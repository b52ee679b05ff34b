#!/usr/bin/env bash
# Lists the parity comparisons of the last test run whose margin (tolerance / difference) is below a threshold.
#
# Every parity test prints one line per comparison, "parity <label> ... margin <N>x" (Fixtures.assertClose,
# TrajectoryFixture, LossParityTest, FrechetDistanceParityTest); surefire writes them to
# <module>/target/surefire-reports/*-output.txt. A comparison that passes by less than 2x its tolerance on one machine
# may fail on another whose kernels differ: those are the ones to look at.
#
# Usage: tools/ci/parity-margins.sh [THRESHOLD]    (default 2; run from anywhere after ./mvnw verify or test)
# Prints the comparisons below THRESHOLD, tightest first, then the count and the tightest margin; exits 1 when no
# parity line was found (the tests did not run, or their output went elsewhere), else 0.
set -euo pipefail

threshold="${1:-2}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
shopt -s nullglob
outputs=("$root"/*/target/surefire-reports/*-output.txt)
if [ ${#outputs[@]} -eq 0 ]; then
  echo "parity-margins: no surefire output under $root/*/target/surefire-reports" >&2
  exit 1
fi

grep -h '^parity .* margin [0-9.]*x$' "${outputs[@]}" |
  awk -v threshold="$threshold" '
    {
      margin = $NF; sub(/x$/, "", margin); margin += 0
      count++
      if (count == 1 || margin < tightest) { tightest = margin; tightest_line = $0 }
      if (margin < threshold) { printf "%10.2fx  %s\n", margin, $0 | "sort -n" }
    }
    END {
      close("sort -n")
      if (count == 0) { print "parity-margins: no parity lines in the surefire output" > "/dev/stderr"; exit 1 }
      printf "parity-margins: %d comparisons, tightest margin %.2fx (threshold %sx)\n  %s\n", count, tightest,
             threshold, tightest_line
    }'
