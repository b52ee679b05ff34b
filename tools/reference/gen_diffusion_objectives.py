#!/usr/bin/env python3
"""Parity fixtures of the stage-2 training objectives (``dev.vae4j.diffusion.objective``).

References, called rather than transcribed wherever they are functions:
  * diffusers 0.42.1: ``DDPMScheduler`` (betas, ``add_noise``, ``get_velocity``, ``step(...).pred_original_sample``),
    ``DPMSolverMultistepScheduler(algorithm_type="dpmsolver").convert_model_output`` (epsilon from each prediction
    type), ``training_utils.compute_snr``, ``compute_density_for_timestep_sampling``,
    ``compute_loss_weighting_for_sd3`` and ``FlowMatchEulerDiscreteScheduler`` (the shifted sigma grid). The few lines
    the training scripts write inline (min-SNR weights of ``examples/text_to_image/train_text_to_image.py`` after
    diffusers PR #6307/#8466: epsilon min(snr, g)/snr, v_prediction min(snr, g)/(snr + 1), sample min(snr, g) as the
    Min-SNR paper; the flow-matching step of ``examples/dreambooth/train_dreambooth_sd3.py``) are written out here.
  * stanipov/pytorch-diffusion @705b007 (no licence: extracted unmodified through ``upstream.py``, give
    ``--upstream DIR`` or $PYTORCH_DIFFUSION_REPO): ``src/models/diffusion.py`` ``get_betas`` and ``Diffusion``
    (``q_sample``, ``get_loss``) with ``src/losses/util.py`` ``loss_fn`` (``nn.MSELoss``, ``nn.L1Loss``,
    ``nn.HuberLoss`` with delta 1, mean reduction).

Writes into ``vae-diffusion/src/test/resources/fixtures/objectives/`` (README.md there lists every tensor):
  discrete.safetensors   schedules' betas, add_noise, velocity, prediction conversions, SNR, every loss x prediction
                         type x (plain, min-SNR) with its gradient w.r.t. the prediction
  objective.safetensors  pytorch-diffusion's ``Diffusion.get_loss`` and a diffusers-style v-prediction min-SNR step on a
                         tiny fixed denoiser: losses and gradients w.r.t. its weights; a seeded-generator draw
  flow.safetensors       rectified flow: timestep densities from stored draws, the shifted grid, x_t, target, the
                         weighted loss and its gradients

Seeded, CPU, float32 (betas stored as float64 holding the references' float32 values), one thread, deterministic: two
runs give byte-identical files (about 80 KB in all).
"""

import math
import sys
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

from upstream import snapshot, upstream_arg

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT = REPO_ROOT / "vae-diffusion/src/test/resources/fixtures/objectives"
COMMIT = "705b0076fc4fc3968cf52fae47bbb6fbdace5a6d"
SEED = 20261206
SHAPE = (4, 2, 4, 4)
CLASSES = 3
GAMMA = 5.0
PREDICTIONS = ("epsilon", "v_prediction", "sample")
LOSSES = ("l2", "l1", "huber")


class Store(dict):
    """Tensors of one file, each with the README's description."""

    def __init__(self):
        super().__init__()
        self.docs = {}


def put(store, name, tensor, doc):
    store[name] = tensor.detach().clone().contiguous()
    store.docs[name] = doc


class TinyDenoiser(nn.Module):
    """pred = conv1x1(x) + (t / 1000) * time_weight + class_embedding[label], per channel; the Java test rebuilds it."""

    def __init__(self, channels, classes, gen):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(channels, channels, 1, 1, generator=gen) / math.sqrt(channels))
        self.bias = nn.Parameter(0.1 * torch.randn(channels, generator=gen))
        self.time_weight = nn.Parameter(torch.randn(channels, generator=gen))
        self.class_embedding = nn.Parameter(0.5 * torch.randn(classes, channels, generator=gen))

    def forward(self, x, t, x_self_cond=None, lbls=None):
        out = F.conv2d(x, self.weight, self.bias)
        out = out + (t.float() / 1000.0)[:, None, None, None] * self.time_weight[None, :, None, None]
        return out + self.class_embedding[lbls][:, :, None, None]

    def grads(self):
        return {name: p.grad.detach().clone() for name, p in self.named_parameters()}


def denoiser_case(out, gen, labels):
    """A seeded tiny denoiser, clean latents, noise and the given labels, all stored; returns them."""
    model = TinyDenoiser(SHAPE[1], CLASSES, gen)
    for name, p in model.named_parameters():
        put(out, f"denoiser.{name}", p, f"tiny denoiser parameter {name}")
    x0 = torch.randn(SHAPE, generator=gen)
    noise = torch.randn(SHAPE, generator=gen)
    labels = torch.tensor(labels)
    for name, value, doc in (("x0", x0, "clean latents"), ("noise", noise, "noise"), ("labels", labels, "int64 (4)")):
        put(out, name, value, doc)
    return model, x0, noise, labels


def elementwise(kind, prediction, target):
    return {"l2": F.mse_loss, "l1": F.l1_loss, "huber": F.huber_loss}[kind](prediction, target, reduction="none")


def min_snr_weights(snr, prediction_type):
    clipped = torch.stack([snr, GAMMA * torch.ones_like(snr)], dim=1).min(dim=1)[0]
    return {"epsilon": clipped / snr, "v_prediction": clipped / (snr + 1), "sample": clipped}[prediction_type]


def reference_loss(loss_fn, kind, prediction, target, weights):
    """Plain: pytorch-diffusion's loss_fn (diffusers' F.mse_loss(..., "mean") for l2); min-SNR: the per-sample mean
    times the weights, then the mean, as train_text_to_image.py does."""
    if weights is None:
        return loss_fn(kind)(target, prediction)
    per_sample = elementwise(kind, prediction, target).mean(dim=list(range(1, prediction.ndim)))
    return (per_sample * weights).mean()


def f64(t):
    return t.detach().to(torch.float64)


def discrete(gen, loss_fn, pd_betas):
    from diffusers import DDPMScheduler, DPMSolverMultistepScheduler
    from diffusers.training_utils import compute_snr

    out = Store()
    scheduler = DDPMScheduler(num_train_timesteps=1000, beta_schedule="linear", clip_sample=False)
    put(out, "betas_linear", f64(scheduler.betas), "DDPMScheduler(linear, 1000).betas (float32 values as float64)")
    put(out, "betas_cosine_500", f64(pd_betas), "pytorch-diffusion get_betas(500, cosine s=0.008) (float32 as float64)")
    x0 = torch.randn(SHAPE, generator=gen)
    noise = torch.randn(SHAPE, generator=gen)
    t = torch.tensor([0, 17, 500, 999])
    put(out, "x0", x0, "clean latents (4, 2, 4, 4)")
    put(out, "noise", noise, "noise (4, 2, 4, 4)")
    put(out, "timesteps", t, "int64 (4) timesteps of the linear schedule")
    noisy = scheduler.add_noise(x0, noise, t)
    velocity = scheduler.get_velocity(x0, noise, t)
    put(out, "noisy", noisy, "DDPMScheduler.add_noise(x0, noise, timesteps)")
    put(out, "velocity", velocity, "DDPMScheduler.get_velocity(x0, noise, timesteps)")
    snr = compute_snr(scheduler, t)
    put(out, "snr", snr, "training_utils.compute_snr(scheduler, timesteps), float32 (4)")
    targets = {"epsilon": noise, "v_prediction": velocity, "sample": x0}

    # conversions at moderate timesteps (the x0 <-> eps divisions amplify float32 rounding near t = 0 and t = T - 1)
    ct = torch.tensor([100, 250, 600, 900])
    put(out, "conversion_timesteps", ct, "int64 (4) timesteps of the conversions")
    c_noisy = scheduler.add_noise(x0, noise, ct)
    put(out, "conversion_noisy", c_noisy, "add_noise(x0, noise, conversion_timesteps)")
    model_output = torch.randn(SHAPE, generator=gen)
    put(out, "model_output", model_output, "an arbitrary model output (4, 2, 4, 4) read as each prediction type")
    for kind in PREDICTIONS:
        ddpm = DDPMScheduler(num_train_timesteps=1000, beta_schedule="linear", clip_sample=False, prediction_type=kind)
        x0_pred = torch.cat([ddpm.step(model_output[i:i + 1], int(ct[i]), c_noisy[i:i + 1],
                                       generator=torch.Generator().manual_seed(0)).pred_original_sample
                             for i in range(SHAPE[0])])
        put(out, f"sample_from_{kind}", x0_pred,
            f"DDPMScheduler(prediction_type={kind}).step(model_output, t, conversion_noisy).pred_original_sample")
        dpm = DPMSolverMultistepScheduler(num_train_timesteps=1000, beta_schedule="linear", algorithm_type="dpmsolver",
                                          final_sigmas_type="sigma_min", prediction_type=kind)
        # convert_model_output reads sigmas[step_index]: point it at the training timestep's sigma
        dpm.sigmas = ((1 - dpm.alphas_cumprod) / dpm.alphas_cumprod) ** 0.5
        eps = []
        for i in range(SHAPE[0]):
            dpm._step_index = int(ct[i])
            eps.append(dpm.convert_model_output(model_output[i:i + 1], sample=c_noisy[i:i + 1]))
        put(out, f"epsilon_from_{kind}", torch.cat(eps),
            f"DPMSolverMultistepScheduler(dpmsolver, {kind}).convert_model_output at each conversion timestep")
    assert torch.allclose(out["epsilon_from_epsilon"], model_output)

    prediction_noise = torch.randn(SHAPE, generator=gen)
    for kind in PREDICTIONS:
        prediction = (targets[kind] + prediction_noise).requires_grad_(True)
        put(out, f"prediction_{kind}", prediction, f"a prediction of the {kind} target (target + N(0, 1))")
        weights = min_snr_weights(snr, kind)
        put(out, f"min_snr_weights_{kind}", weights, f"min-SNR weights (gamma {GAMMA}) for {kind}")
        for loss in LOSSES:
            for mode, w in (("plain", None), ("min_snr", weights)):
                value = reference_loss(loss_fn, loss, prediction, targets[kind], w)
                (grad,) = torch.autograd.grad(value, prediction)
                put(out, f"loss_{kind}_{loss}_{mode}", value, f"{loss} loss ({mode}) of prediction_{kind}, scalar")
                put(out, f"grad_{kind}_{loss}_{mode}", grad, f"its gradient w.r.t. prediction_{kind}")
    return out


def objective(gen, Diffusion, pd_betas):
    from diffusers import DDPMScheduler
    from diffusers.training_utils import compute_snr

    out = Store()
    model, x0, noise, labels = denoiser_case(out, gen, [0, 2, 1, 2])
    t = torch.tensor([3, 120, 260, 499])
    put(out, "timesteps", t, "int64 (4) timesteps of the 500-step cosine schedule")
    for loss in LOSSES:
        diffusion = Diffusion({"type": "cosine", "s": 0.008}, model, timesteps=500, loss=loss, device="cpu")
        assert torch.equal(diffusion.betas, pd_betas)
        if loss == "l2":
            put(out, "noisy", diffusion.q_sample(x0, t, noise), "pytorch-diffusion Diffusion.q_sample(x0, t, noise)")
        model.zero_grad()
        value = diffusion.get_loss(x0, t, noise=noise, classes=labels)
        value.backward()
        put(out, f"loss_{loss}", value, f"Diffusion(cosine 500, loss={loss}).get_loss(x0, t, noise, classes=labels)")
        for name, g in model.grads().items():
            put(out, f"grad_{loss}.{name}", g, f"gradient of loss_{loss} w.r.t. {name}")

    # a diffusers-style step: linear schedule, v_prediction target, min-SNR weighted L2
    scheduler = DDPMScheduler(num_train_timesteps=1000, beta_schedule="linear", prediction_type="v_prediction")
    vt = torch.tensor([5, 300, 700, 990])
    put(out, "v_timesteps", vt, "int64 (4) timesteps of the linear 1000-step schedule (betas: discrete betas_linear)")
    model.zero_grad()
    noisy = scheduler.add_noise(x0, noise, vt)
    target = scheduler.get_velocity(x0, noise, vt)
    prediction = model(noisy, vt, lbls=labels)
    weights = min_snr_weights(compute_snr(scheduler, vt), "v_prediction")
    value = (F.mse_loss(prediction.float(), target.float(), reduction="none").mean(dim=[1, 2, 3]) * weights).mean()
    value.backward()
    put(out, "loss_v_min_snr", value, "v_prediction, min-SNR (gamma 5) L2 loss of the denoiser at v_timesteps")
    for name, g in model.grads().items():
        put(out, f"grad_v_min_snr.{name}", g, f"gradient of loss_v_min_snr w.r.t. {name}")

    # the seeded draw: timesteps first, then noise, from one CPU generator (the order of pytorch-diffusion's loop)
    draw = torch.Generator().manual_seed(SEED + 1)
    st = torch.randint(0, 500, (SHAPE[0],), generator=draw)
    sn = torch.randn(SHAPE, generator=draw)
    put(out, "seeded_timesteps", st, f"torch.randint(0, 500, (4,)) from Generator().manual_seed({SEED + 1})")
    put(out, "seeded_noise", sn, "torch.randn(4, 2, 4, 4) drawn next from the same generator")
    diffusion = Diffusion({"type": "cosine", "s": 0.008}, model, timesteps=500, loss="l2", device="cpu")
    put(out, "seeded_loss_l2", diffusion.get_loss(x0, st, noise=sn, classes=labels), "get_loss (l2) of that draw")
    return out


def flow(gen):
    from diffusers import FlowMatchEulerDiscreteScheduler
    from diffusers.training_utils import compute_density_for_timestep_sampling, compute_loss_weighting_for_sd3

    out = Store()
    n = 64
    draws = {"logit_normal": ("normal", dict(logit_mean=0.3, logit_std=1.2)),
             "mode": ("uniform", dict(mode_scale=1.29)), "none": ("uniform", {})}
    for scheme, (kind, kwargs) in draws.items():
        seed = SEED + 10 + len(out)
        raw = (torch.randn if kind == "normal" else torch.rand)(n, generator=torch.Generator().manual_seed(seed))
        u = compute_density_for_timestep_sampling(scheme, n, generator=torch.Generator().manual_seed(seed), **kwargs)
        put(out, f"draws_{scheme}", raw, f"torch.{'randn' if kind == 'normal' else 'rand'}({n}) from seed {seed}")
        put(out, f"u_{scheme}", u, f"compute_density_for_timestep_sampling({scheme!r}, {n}, {kwargs}) same seed")
    for shift in (1.0, 3.0, 0.5):
        scheduler = FlowMatchEulerDiscreteScheduler(num_train_timesteps=1000, shift=shift)
        put(out, f"grid_sigmas_shift{shift}", scheduler.sigmas,
            f"FlowMatchEulerDiscreteScheduler(1000, {shift}).sigmas")
        put(out, f"grid_timesteps_shift{shift}", scheduler.timesteps, "its timesteps (sigmas * 1000)")

    # the SD3 training step (train_dreambooth_sd3.py) with the tiny denoiser standing in for the transformer
    scheduler = FlowMatchEulerDiscreteScheduler(num_train_timesteps=1000, shift=3.0)
    model, x0, noise, labels = denoiser_case(out, gen, [1, 0, 2, 1])
    u = torch.tensor([0.0, 0.2501, 0.61, 0.9999])
    indices = (u * scheduler.config.num_train_timesteps).long()
    timesteps = scheduler.timesteps[indices]
    sigmas = scheduler.sigmas[indices].flatten()[:, None, None, None]
    noisy = (1.0 - sigmas) * x0 + sigmas * noise
    target = noise - x0
    steps = (("u", u, "densities' u (4) handed to the SD3 script's index step"),
             ("sigmas", sigmas.flatten(), "scheduler.sigmas[(u * 1000).long()] with shift 3"),
             ("timesteps", timesteps, "scheduler.timesteps[(u * 1000).long()] (sigma * 1000)"),
             ("noisy", noisy, "(1 - sigma) x0 + sigma noise"), ("target", target, "noise - x0"))
    for name, value, doc in steps:
        put(out, name, value, doc)
    for scheme in ("none", "sigma_sqrt", "cosmap"):
        model.zero_grad()
        prediction = model(noisy, timesteps, lbls=labels)
        weighting = compute_loss_weighting_for_sd3(weighting_scheme=scheme, sigmas=sigmas)
        value = torch.mean((weighting.float() * (prediction.float() - target.float()) ** 2).reshape(SHAPE[0], -1), 1)
        value = value.mean()
        value.backward()
        put(out, f"weights_{scheme}", weighting.flatten(), f"compute_loss_weighting_for_sd3({scheme!r}, sigmas)")
        put(out, f"loss_{scheme}", value, f"the SD3 script's weighted flow-matching loss ({scheme})")
        for name, g in model.grads().items():
            put(out, f"grad_{scheme}.{name}", g, f"gradient of loss_{scheme} w.r.t. {name}")
    return out


def write_readme(files):
    lines = ["# objectives fixtures", "",
             "Generated by `tools/reference/gen_diffusion_objectives.py` (diffusers 0.42.1 and "
             f"stanipov/pytorch-diffusion @{COMMIT[:7]}); do not edit. CPU, float32 unless stated, seed {SEED}.", "",
             "The tiny denoiser: `pred = conv2d(x, weight, bias) + (t / 1000) * time_weight + class_embedding[label]`",
             "(per channel), standing in for a network so that gradients w.r.t. weights can be compared.", ""]
    for file, tensors in files.items():
        lines += [f"## {file}", "", "| tensor | shape | dtype | what |", "| --- | --- | --- | --- |"]
        for name, t in tensors.items():
            dtype = str(t.dtype).replace("torch.", "")
            lines.append(f"| `{name}` | {tuple(t.shape)} | {dtype} | {tensors.docs[name]} |")
        lines.append("")
    (OUT / "README.md").write_text("\n".join(lines))


def main():
    repo = upstream_arg("PYTORCH_DIFFUSION_REPO", "stanipov/pytorch-diffusion")
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    root = snapshot(repo, COMMIT, ["src/__init__.py", "src/models/__init__.py", "src/models/diffusion.py",
                                   "src/models/noise_schedulers.py", "src/losses/__init__.py", "src/losses/util.py"])
    sys.path.insert(0, str(root))
    from src.losses.util import loss_fn
    from src.models.diffusion import Diffusion, get_betas
    assert isinstance(loss_fn("huber"), nn.HuberLoss) and loss_fn("huber").delta == 1.0
    assert all(loss_fn(k).reduction == "mean" for k in LOSSES)
    pd_betas = get_betas(500, {"type": "cosine", "s": 0.008})

    OUT.mkdir(parents=True, exist_ok=True)
    gen = torch.Generator().manual_seed(SEED)
    files = {"discrete.safetensors": discrete(gen, loss_fn, pd_betas),
             "objective.safetensors": objective(gen, Diffusion, pd_betas), "flow.safetensors": flow(gen)}
    for file, tensors in files.items():
        save_file(tensors, OUT / file)
    write_readme(files)
    check(files)
    total = sum((OUT / f).stat().st_size for f in files) + (OUT / "README.md").stat().st_size
    print(f"objectives: {sum(len(t) for t in files.values())} tensors, {total / 1024:.0f} KB")


def check(files):
    """The references agree with each other where they overlap, and nothing written is non-finite."""
    d, o, f = files["discrete.safetensors"], files["objective.safetensors"], files["flow.safetensors"]
    for tensors in files.values():
        for name, t in tensors.items():
            assert not t.is_floating_point() or torch.isfinite(t).all(), name
    # pytorch-diffusion's q_sample is diffusers' add_noise on its betas
    from diffusers import DDPMScheduler
    s = DDPMScheduler(num_train_timesteps=500, trained_betas=d["betas_cosine_500"].float().tolist())
    assert torch.allclose(s.add_noise(o["x0"], o["noise"], o["timesteps"]), o["noisy"], atol=1e-6)
    # plain l2 is diffusers' F.mse_loss(..., reduction="mean")
    assert torch.allclose(d["loss_epsilon_l2_plain"], F.mse_loss(d["prediction_epsilon"], d["noise"]))
    assert torch.allclose(f["u_logit_normal"], torch.sigmoid(0.3 + 1.2 * f["draws_logit_normal"]), atol=1e-6)
    # DDPMScheduler's x0 and DPM-Solver's eps of one prediction recompose x_t: x_t = sqrt(ab) x0 + sqrt(1 - ab) eps
    ab = DDPMScheduler(num_train_timesteps=1000).alphas_cumprod[d["conversion_timesteps"]][:, None, None, None]
    for kind in PREDICTIONS:
        recomposed = ab.sqrt() * d[f"sample_from_{kind}"] + (1 - ab).sqrt() * d[f"epsilon_from_{kind}"]
        assert torch.allclose(recomposed, d["conversion_noisy"], atol=1e-4), kind


if __name__ == "__main__":
    main()
