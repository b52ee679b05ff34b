#!/usr/bin/env python3
"""Parity fixtures for vae4j's DiTPipeline (diffusers ``DiTPipeline``, the real class).

For every case in CASES this builds a tiny ``DiTPipeline`` (a ``DiTTransformer2DModel`` with every weight seeded random
as ``gen_dit.py`` does, a seeded-random tiny ``AutoencoderKL`` and the case's scheduler), saves it with
``save_pretrained`` into ``vae-diffusion/src/test/resources/fixtures/dit_pipeline/<case>/`` and runs
``pipe(class_labels=LABELS, num_inference_steps=STEPS, guidance_scale=GUIDANCE, generator=torch.manual_seed(SEED),
output_type="np")``, writing ``io.safetensors``:

  labels   (B) int64          the class labels
  latents  (B, C, s, s) f32   what ``vae.decode`` received: the final latents / scaling_factor (captured by a wrapper)
  images   (B, H, W, 3) f32   the pipeline's output, in [0, 1]
  settings (3) float64        steps, guidance scale, seed

DiTPipeline's null class is hard-coded as 1000, so the transformer has ``num_embeds_ada_norm=1000``. diffusers'
``save_pretrained`` writes no ``id2label`` into model_index.json (DiTPipeline does not register it in its config).

Seeded, CPU, float32, one thread, deterministic: two runs give byte-identical files. Never touches the network.
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ATEN_CPU_CAPABILITY", "avx2")
os.environ.setdefault("ONEDNN_MAX_CPU_ISA", "AVX2")

import json
import shutil
import sys
from pathlib import Path

import torch
from safetensors.torch import save_file

import diffusers
from diffusers import (AutoencoderKL, DDIMScheduler, DiTPipeline, DiTTransformer2DModel,
                       DPMSolverMultistepScheduler)

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_dit  # noqa: E402  (randomize_ and determinism settings shared with the DiT fixtures)

diffusers.utils.logging.set_verbosity_error()

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT_ROOT = REPO_ROOT / "vae-diffusion/src/test/resources/fixtures/dit_pipeline"
SEED = 0
LABELS = [0, 3]
STEPS = 10
GUIDANCE = 4.0
ID2LABEL = {"0": "tench, Tinca tinca", "3": "tiger shark"}

CASES = {
    "ddim": lambda: DDIMScheduler(beta_schedule="linear", clip_sample=False, set_alpha_to_one=False,
                                  steps_offset=1),
    "dpm_solver": lambda: DPMSolverMultistepScheduler(),
}


@torch.no_grad()
def randomize_vae_(vae, gen):
    """conv/linear weights ~ N(0, 1/fan_in), norm weights 1 + 0.1 N, biases 0.1 N (as gen_autoencoder_kl.py)."""
    for m in vae.modules():
        if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
            m.weight.copy_(torch.randn(m.weight.shape, generator=gen) / (m.weight[0].numel() ** 0.5))
            if m.bias is not None:
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=gen))
        elif isinstance(m, torch.nn.GroupNorm):
            m.weight.copy_(1.0 + 0.1 * torch.randn(m.weight.shape, generator=gen))
            m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=gen))


def build(scheduler):
    gen = torch.Generator().manual_seed(gen_dit.BASE_SEED + 7)
    transformer = DiTTransformer2DModel(num_attention_heads=2, attention_head_dim=4, in_channels=4, out_channels=8,
                                        num_layers=1, sample_size=8, patch_size=2, num_embeds_ada_norm=1000)
    gen_dit.randomize_(transformer, gen)
    vae = AutoencoderKL(in_channels=3, out_channels=3, down_block_types=["DownEncoderBlock2D"] * 2,
                        up_block_types=["UpDecoderBlock2D"] * 2, block_out_channels=[8, 8], layers_per_block=1,
                        latent_channels=4, norm_num_groups=4, sample_size=16, scaling_factor=0.5)
    randomize_vae_(vae, gen)
    return DiTPipeline(transformer=transformer.eval(), vae=vae.eval(), scheduler=scheduler, id2label=ID2LABEL)


def run(pipe):
    pipe.set_progress_bar_config(disable=True)
    captured = []
    decode = pipe.vae.decode

    def capture(latents, *args, **kwargs):
        captured.append(latents.clone())
        return decode(latents, *args, **kwargs)

    pipe.vae.decode = capture
    out = pipe(class_labels=LABELS, num_inference_steps=STEPS, guidance_scale=GUIDANCE,
               generator=torch.manual_seed(SEED), output_type="np")
    pipe.vae.decode = decode
    return captured[0], torch.from_numpy(out.images).float().contiguous()


def main():
    gen_dit.setup_determinism()
    for name, make in CASES.items():
        out = OUT_ROOT / name
        shutil.rmtree(out, ignore_errors=True)
        pipe = build(make())
        pipe.save_pretrained(out, safe_serialization=True)
        latents, images = run(pipe)
        # the saved folder must load back and give the same images
        again = DiTPipeline.from_pretrained(out)
        _, images_again = run(again)
        assert torch.equal(images, images_again), name
        assert images.shape == (len(LABELS), 16, 16, 3) and images.min() >= 0 and images.max() <= 1
        assert 0.05 < images.std() and torch.isfinite(latents).all()
        save_file({"labels": torch.tensor(LABELS, dtype=torch.int64), "latents": latents.contiguous(),
                   "images": images, "settings": torch.tensor([STEPS, GUIDANCE, SEED], dtype=torch.float64)},
                  out / "io.safetensors")
        index = json.loads((out / "model_index.json").read_text())
        (out / "README.md").write_text(
            f"# dit_pipeline/{name}\n\nGenerated by `tools/reference/gen_dit_pipeline.py` with diffusers "
            f"{diffusers.__version__}, torch {torch.__version__}. A `DiTPipeline.save_pretrained` folder "
            f"(scheduler `{index['scheduler'][1]}`) and `io.safetensors`: `labels` (B) int64 {LABELS}; `latents` "
            f"(B, 4, 8, 8) what `vae.decode` received (final latents / scaling_factor); `images` (B, 16, 16, 3) "
            f"`pipe(class_labels={LABELS}, num_inference_steps={STEPS}, guidance_scale={GUIDANCE}, "
            f"generator=torch.manual_seed({SEED}), output_type='np').images` in [0, 1]; `settings` (steps, "
            f"guidance, seed) float64.\n")
        size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
        print(f"{name}: {size} bytes, images std {images.std():.4f}")
    switched()


def switched():
    """The DDIM folder sampled after DiT's documented scheduler switch, which keeps the DDIM config's spacing."""
    out = OUT_ROOT / "ddim_as_dpm_solver"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    pipe = DiTPipeline.from_pretrained(OUT_ROOT / "ddim")
    pipe.scheduler = DPMSolverMultistepScheduler.from_config(pipe.scheduler.config)
    latents, images = run(pipe)
    save_file({"labels": torch.tensor(LABELS, dtype=torch.int64), "latents": latents.contiguous(),
               "images": images, "settings": torch.tensor([STEPS, GUIDANCE, SEED], dtype=torch.float64)},
              out / "io.safetensors")
    (out / "README.md").write_text(
        f"# dit_pipeline/ddim_as_dpm_solver\n\nGenerated by `tools/reference/gen_dit_pipeline.py` with diffusers "
        f"{diffusers.__version__}, torch {torch.__version__}. `io.safetensors` as in `ddim/`, sampled from the `ddim/` "
        f"folder after `pipe.scheduler = DPMSolverMultistepScheduler.from_config(pipe.scheduler.config)` "
        f"(timesteps {pipe.scheduler.timesteps.tolist()}: the DDIM config's leading spacing and steps_offset).\n")
    print(f"ddim_as_dpm_solver: timesteps {pipe.scheduler.timesteps.tolist()}, images std {images.std():.4f}")


if __name__ == "__main__":
    main()
