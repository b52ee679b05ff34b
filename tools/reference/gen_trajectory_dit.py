#!/usr/bin/env python3
"""Stage-2 trajectory fixture: a PyTorch DiT training loop that vae4j's ``DenoiserTrainer`` must follow step for step.

20 optimizer steps of a tiny class-conditional DiT (hidden 32, depth 2, patch 2, 8x8x4 latents, 3 classes) built
from the reference libraries themselves:

* diffusers ``DiTTransformer2DModel`` (the denoiser, in eval mode: its own class dropout off, dropout 0),
* diffusers ``DDPMScheduler.add_noise`` (linear betas 1e-4..0.02 over 1000 steps, epsilon prediction),
* ``F.mse_loss`` against the noise, ``torch.nn.utils.clip_grad_norm_`` (1.0), ``torch.optim.AdamW`` with a linear
  warm-up (``LambdaLR``), and diffusers' ``EMAModel`` (decay 0.9).

The random inputs follow vae4j's stage-2 data stream: the sample at global position ``g`` (``step * batch + j``)
draws from a CPU generator seeded ``seed * 1000003 + g``, in this order, its timestep ``randint(0, 1000, (1,))``,
its noise ``randn(1, 4, 8, 8)`` and its class-dropout uniform ``rand(1)``; a uniform below ``CLASS_DROPOUT``
replaces its label by the null class 3 (classifier-free guidance training). The clean latents and labels are fixed
tensors stored in the fixture in consumption order (row g).

Writes ``vae-diffusion/src/test/resources/fixtures/dit_trajectory/trajectory.safetensors``:

  latents          (steps * batch, 4, 8, 8) float32 clean latents, row g = the sample at global position g
  labels           (steps * batch,) int64 class labels in [0, 3) before dropout
  timesteps        (steps * batch,) int64 the drawn timesteps (as the generator above draws them; for reading)
  dropped          (steps * batch,) int64 1 where the label was dropped to the null class
  init.<key>       initial DiT weights (diffusers keys)
  lr               (steps,) float64 learning rate of each step
  loss.loss        (steps,) float64 the logged loss of each step (the batch mean of the MSE)
  final.dit.<key>, final.ema.<key>   weights after the last step (live and EMA)
  spread.loss      (steps,) float64 max |this run - the same loop under another kernel choice| (kernel_variants.py:
                   two threads, MKL's generic BLAS path, AVX-512 kernels, SSE4.1 convolutions)
  spread.final.<part>.<key>   0-d float64 max |difference| of that final tensor over the same runs
  metadata "config": the DiT's config.json; "train": JSON of the loop settings the Java test uses

CPU, float32, deterministic algorithms: two runs give identical files. The fixture also writes a README.md.
"""

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ATEN_CPU_CAPABILITY", "avx2")
os.environ.setdefault("ONEDNN_MAX_CPU_ISA", "AVX2")

import torch
import torch.nn.functional as F
from diffusers import DDPMScheduler, DiTTransformer2DModel
from diffusers.training_utils import EMAModel
from safetensors.torch import save_file

sys.path.insert(0, str(Path(__file__).resolve().parent))
import kernel_variants  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT = REPO_ROOT / "vae-diffusion/src/test/resources/fixtures/dit_trajectory"

DIT = {
    "num_attention_heads": 2,
    "attention_head_dim": 16,
    "in_channels": 4,
    "num_layers": 2,
    "sample_size": 8,
    "patch_size": 2,
    "num_embeds_ada_norm": 3,
}
TRAIN = {
    "steps": 20,
    "batch_size": 4,
    "seed": 7,
    "lr": 1.0e-3,
    "beta1": 0.9,
    "beta2": 0.999,
    "eps": 1.0e-8,
    "weight_decay": 0.01,
    "warmup_steps": 5,
    "grad_clip": 1.0,
    "ema_decay": 0.9,
    "class_dropout": 0.25,
}
NULL_CLASS = DIT["num_embeds_ada_norm"]


def draws(position, seed):
    """The timestep, noise and class-dropout uniform of the sample at global position ``position``."""
    generator = torch.Generator().manual_seed(seed * 1000003 + position)
    t = torch.randint(0, 1000, (1,), generator=generator)
    noise = torch.randn((1, DIT["in_channels"], DIT["sample_size"], DIT["sample_size"]), generator=generator)
    u = torch.rand((1,), generator=generator)
    return t, noise, u


def train_loop():
    steps, batch, seed = TRAIN["steps"], TRAIN["batch_size"], TRAIN["seed"]
    data = torch.Generator().manual_seed(20261206)
    latents = torch.randn((steps * batch, 4, 8, 8), generator=data)
    labels = torch.randint(0, NULL_CLASS, (steps * batch,), generator=data)
    torch.manual_seed(20261207)
    model = DiTTransformer2DModel(**DIT)
    model.eval()  # no class dropout of its own (dropout is 0): the loop drops labels itself
    tensors = {"latents": latents, "labels": labels}
    tensors.update({f"init.{k}": v.detach().clone() for k, v in model.state_dict().items()})
    scheduler = DDPMScheduler(num_train_timesteps=1000, beta_start=1e-4, beta_end=0.02, beta_schedule="linear")
    optimizer = torch.optim.AdamW(model.parameters(), lr=TRAIN["lr"], betas=(TRAIN["beta1"], TRAIN["beta2"]),
                                  eps=TRAIN["eps"], weight_decay=TRAIN["weight_decay"])
    warmup = TRAIN["warmup_steps"]
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / warmup))
    ema = EMAModel(model.parameters(), decay=TRAIN["ema_decay"])
    all_t, all_dropped, lrs, losses = [], [], [], []
    for step in range(steps):
        rows = range(step * batch, (step + 1) * batch)
        drawn = [draws(g, seed) for g in rows]
        t = torch.cat([d[0] for d in drawn])
        noise = torch.cat([d[1] for d in drawn])
        dropped = torch.cat([d[2] for d in drawn]) < TRAIN["class_dropout"]
        x0 = latents[step * batch:(step + 1) * batch]
        y = torch.where(dropped, torch.full_like(labels[:batch], NULL_CLASS), labels[step * batch:(step + 1) * batch])
        noisy = scheduler.add_noise(x0, noise, t)
        prediction = model(noisy, timestep=t, class_labels=y).sample
        loss = F.mse_loss(prediction.float(), noise.float(), reduction="mean")
        lrs.append(optimizer.param_groups[0]["lr"])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), TRAIN["grad_clip"])
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        schedule.step()
        ema.step(model.parameters())
        losses.append(loss.item())
        all_t.append(t)
        all_dropped.append(dropped.long())
    tensors["timesteps"] = torch.cat(all_t)
    tensors["dropped"] = torch.cat(all_dropped)
    tensors["lr"] = torch.tensor(lrs, dtype=torch.float64)
    tensors["loss.loss"] = torch.tensor(losses, dtype=torch.float64)
    tensors.update({f"final.dit.{k}": v.detach().clone() for k, v in model.state_dict().items()})
    ema.copy_to(model.parameters())
    tensors.update({f"final.ema.{k}": v.detach().clone() for k, v in model.state_dict().items()})
    return tensors, dict(model.config)


def add_spread(tensors, reruns):
    for key in [k for k in tensors if k.startswith("final.")]:
        tensors["spread." + key] = torch.stack([(tensors[key].double() - rerun[key].double()).abs().max()
                                                for rerun in reruns.values()]).max()
    diffs = {variant: (tensors["loss.loss"] - rerun["loss.loss"]).abs() for variant, rerun in reruns.items()}
    tensors["spread.loss"] = torch.stack(list(diffs.values())).amax(dim=0)
    for variant, d in diffs.items():
        finals = max(float((tensors[k].double() - reruns[variant][k].double()).abs().max())
                     for k in tensors if k.startswith("final."))
        print(f"{variant}: max |loss difference| {float(d.max()):.2e}, max |final weight difference| {finals:.2e}")


def readme(tensors, config):
    lines = [
        "# dit_trajectory",
        "",
        "Generated by `tools/reference/gen_trajectory_dit.py` (diffusers `DiTTransformer2DModel`, "
        "`DDPMScheduler.add_noise`, MSE, `torch.optim.AdamW`, `EMAModel`); read by `DiTTrajectoryParityTest`.",
        "",
        f"DiT config: `{json.dumps({k: v for k, v in config.items() if not k.startswith('_')}, sort_keys=True)}`",
        "",
        f"Loop: `{json.dumps(TRAIN, sort_keys=True)}`",
        "",
        "| tensor | shape | dtype | meaning |",
        "| --- | --- | --- | --- |",
    ]
    meaning = {
        "latents": "clean latents, row g = sample at global position g",
        "labels": "class labels before dropout",
        "timesteps": "drawn timesteps",
        "dropped": "1 where the label was dropped to the null class",
        "lr": "learning rate per step",
        "loss.loss": "logged loss per step",
        "spread.loss": "largest absolute loss difference over kernel variants, per step",
    }
    for key in sorted(k for k in tensors if not k.startswith(("init.", "final.", "spread.final."))):
        t = tensors[key]
        lines.append(f"| `{key}` | {tuple(t.shape)} | {str(t.dtype).replace('torch.', '')} | {meaning[key]} |")
    lines += [
        "| `init.<key>` | per key | float32 | initial DiT weights |",
        "| `final.dit.<key>`, `final.ema.<key>` | per key | float32 | weights after the last step |",
        "| `spread.final.<part>.<key>` | () | float64 | max difference of that final tensor over kernel variants |",
        "",
    ]
    return "\n".join(lines)


def main():
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(kernel_variants.threads())
    tensors, config = train_loop()
    if kernel_variants.rerun_output():
        kernel_variants.save_rerun(kernel_variants.rerun_output(), tensors)
        return
    add_spread(tensors, kernel_variants.rerun_all([__file__]))
    OUT.mkdir(parents=True, exist_ok=True)
    out = OUT / "trajectory.safetensors"
    tmp = out.with_suffix(".tmp")
    config_json = json.dumps({k: v for k, v in config.items() if not k.startswith("_")}, sort_keys=True)
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(tmp),
              metadata={"config": config_json, "train": json.dumps(TRAIN, sort_keys=True)})
    tmp.replace(out)
    (OUT / "README.md").write_text(readme(tensors, config))
    losses = tensors["loss.loss"]
    assert torch.isfinite(losses).all() and losses[-5:].mean() < losses[:5].mean(), "the loss must fall"
    print(f"wrote {out.relative_to(REPO_ROOT)} ({out.stat().st_size / 1024:.0f} KB); loss {float(losses[0]):.4f} -> "
          f"{float(losses[-1]):.4f}")


if __name__ == "__main__":
    main()
