"""Reruns of a trajectory generator under the float kernels a user's machine may pick, for the ``spread.*`` tolerances.

A training trajectory in float32 depends on the summation order of every kernel it runs: the thread count, the BLAS
library's code path (vae4j's libtorch links OpenBLAS, which picks Haswell, SkylakeX, Cooperlake, Sandybridge, ...
kernels from the CPU; PyTorch's wheel links MKL) and the SIMD width of ATen's and oneDNN's kernels. No
implementation can be asked to follow the reference closer than the reference follows itself when only those
kernels change. So each generator runs its loop once as the fixture (one thread, ATen and oneDNN pinned to AVX2, as
the Java tests run) and once under each entry of ``VARIANTS`` in a fresh interpreter (the kernel choices are read
when the libraries load), and stores ``spread.*``: the largest difference from the fixture over all variants.

A generator calls ``rerun_output()`` first: inside a rerun it returns the file to write the trajectory to (and the
generator writes nothing else); ``rerun_all(argv)`` starts the reruns from the fixture run and returns their
trajectories by variant name.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from safetensors.torch import load_file, save_file

# variant -> environment changes. The base run: one thread, ATEN_CPU_CAPABILITY=avx2, ONEDNN_MAX_CPU_ISA=AVX2, MKL's
# own choice (its AVX2 path on AMD and Intel AVX2 machines).
VARIANTS = {
    # another summation order in every parallel reduction and GEMM partition
    "two-threads": {"VAE4J_FIXTURE_THREADS": "2"},
    # MKL's generic code path: another BLAS kernel for every matmul, 1x1 convolution and im2col convolution, as
    # OpenBLAS's Sandybridge or SkylakeX kernels are for vae4j
    "blas-compatible": {"MKL_CBWR": "COMPATIBLE"},
    # the widest kernels of the machine: ATen's AVX-512 loops and oneDNN's AVX-512 convolutions (the same as the
    # base run on an AVX2-only machine)
    "native-simd": {"ATEN_CPU_CAPABILITY": "avx512", "ONEDNN_MAX_CPU_ISA": "ALL"},
    # oneDNN's SSE4.1 convolutions: another blocking of every 3x3 convolution
    "narrow-conv": {"ONEDNN_MAX_CPU_ISA": "SSE41"},
}
_OUTPUT = "VAE4J_FIXTURE_RERUN_OUTPUT"


def threads():
    """The intra-op thread count of this run: 1, or the variant's."""
    return int(os.environ.get("VAE4J_FIXTURE_THREADS", "1"))


def rerun_output():
    """Inside a rerun, the file its trajectory goes to; None in the fixture run."""
    path = os.environ.get(_OUTPUT)
    return Path(path) if path else None


def save_rerun(path, tensors):
    """Writes a rerun's trajectory (its ``loss.*`` and ``final.*`` tensors) for ``rerun_all``."""
    save_file({k: v.contiguous() for k, v in tensors.items() if k.startswith(("loss.", "final."))}, str(path))


def rerun_all(argv):
    """Runs ``python argv...`` once per variant (with the pins of the fixture run unless the variant changes them);
    returns {variant: trajectory tensors}."""
    out = {}
    with tempfile.TemporaryDirectory(prefix="kernel-variants-") as tmp:
        for name, changes in VARIANTS.items():
            path = Path(tmp) / f"{name}.safetensors"
            env = dict(os.environ, **changes, **{_OUTPUT: str(path)})
            subprocess.run([sys.executable, *argv], env=env, check=True, stdout=subprocess.DEVNULL)
            out[name] = load_file(str(path))
    return out
