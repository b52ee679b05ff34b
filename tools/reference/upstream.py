"""Imports upstream repositories' own files at pinned commits, for the gen_*.py scripts whose reference is a repository
without a licence (so its files cannot be vendored under tools/reference/vendor/).

``snapshot(repo, commit, paths)`` extracts ``paths`` of ``commit`` from a local git repository (a bare mirror or a
clone, given on the command line as ``--upstream DIR`` or through an environment variable) into a fresh temporary
folder with ``git archive`` and returns that folder, unmodified. The caller puts it on ``sys.path`` and imports.
``stub_modules`` installs empty stand-ins for third-party modules an upstream file imports at module level but the
fixture never calls (wandb, webdataset, ...), so that those need not be installed; a stand-in raises on any use.
"""

import argparse
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import types
from pathlib import Path


def upstream_arg(env_var, repo_name):
    """Parses ``--upstream DIR`` (default: $env_var); fails with instructions when neither is given."""
    parser = argparse.ArgumentParser(description=f"fixtures from {repo_name}'s own files")
    parser.add_argument("--upstream", default=os.environ.get(env_var),
                        help=f"a git repository (bare mirror or clone) of {repo_name}; default ${env_var}")
    args = parser.parse_args()
    if not args.upstream:
        sys.exit(f"give --upstream DIR (or set {env_var}): a git clone of https://github.com/{repo_name} "
                 "holding the pinned commits")
    return Path(args.upstream)


def snapshot(repo, commit, paths):
    """The files ``paths`` of ``commit`` in git repository ``repo``, extracted unmodified into a temporary folder."""
    data = subprocess.run(["git", "-C", str(repo), "archive", "--format=tar", commit, *paths],
                          check=True, capture_output=True).stdout
    out = Path(tempfile.mkdtemp(prefix=f"upstream-{commit[:7]}-"))
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(out, filter="data")
    return out


class _Unused(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        qualified = f"{self.__name__}.{name}"

        def unused(*args, **kwargs):
            raise RuntimeError(f"{qualified} is a stand-in: the fixture must not reach it")
        return unused


def stub_modules(*names, decorators=()):
    """Stand-ins for modules that are not installed; ``decorators``: (module, attribute) pairs that must work as
    decorator factories at import time (click.command(), click.option(...)); they return the function unchanged."""
    for name in names:
        try:
            __import__(name)
        except ImportError:
            sys.modules[name] = _Unused(name)
    for module, attribute in decorators:
        if isinstance(sys.modules.get(module), _Unused):
            setattr(sys.modules[module], attribute, lambda *a, **k: (lambda f: f))


def diffusers_keys(channels, layers, latent, groups, quant, scaling, mid_attention=True):
    """The diffusers AutoencoderKL keys of a vae4j config.json (the variant keys are added by the caller)."""
    n = len(channels)
    return {"_class_name": "AutoencoderKL", "_diffusers_version": "0.42.1", "act_fn": "silu",
            "block_out_channels": list(channels), "down_block_types": ["DownEncoderBlock2D"] * n,
            "force_upcast": True, "in_channels": 3, "latent_channels": latent, "latents_mean": None,
            "latents_std": None, "layers_per_block": layers, "mid_block_add_attention": mid_attention,
            "norm_num_groups": groups, "out_channels": 3, "sample_size": 16, "scaling_factor": scaling,
            "shift_factor": None, "up_block_types": ["UpDecoderBlock2D"] * n, "use_post_quant_conv": quant,
            "use_quant_conv": quant}
