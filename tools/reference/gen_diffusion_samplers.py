#!/usr/bin/env python3
"""Parity fixtures for vae-diffusion's noise schedules, samplers and classifier-free guidance.

References: diffusers 0.42.1's own scheduler classes (``DDPMScheduler``, ``DDIMScheduler``,
``FlowMatchEulerDiscreteScheduler``, ``DPMSolverMultistepScheduler``) and ``DiTPipeline``; stanipov/pytorch-diffusion's
own ``src/models/diffusion.py`` (``get_betas``, ``compute_alpha``, ``generalized_steps``, ``ddpm_steps``) and
``src/models/noise_schedulers.py`` at the pinned commit, extracted unmodified with ``upstream.py`` (the repository has
no licence): give a clone or the bare mirror as ``--upstream DIR`` (or $PYTORCH_DIFFUSION_REPO).

Pinned commit: 705b0076fc4fc3968cf52fae47bbb6fbdace5a6d (2023-08-28, "Minor changes", HEAD).

Writes into ``vae-diffusion/src/test/resources/fixtures/samplers/``:

  cases.json          every schedule, single-step case and trajectory case with the options that built it
  schedules.safetensors  ``<schedule>.betas`` and ``<schedule>.alphas_cumprod`` (float32) of each schedule, as the
                      scheduler (or ``compute_alpha``) holds them
  steps.safetensors   ``sample``, ``model_output`` (4, 4, 8, 8) and ``model_output_2`` (the second step of the multistep
                      cases), ``<case>.prev`` per single-step case
  trajectories.safetensors  ``noise`` (4, 4, 8, 8), ``labels`` (4) int64, ``denoiser.weight`` (8, 4, 1, 1) and
                      ``denoiser.bias`` (8) of the tiny denoiser, ``<case>.step25`` (after 25 steps) and ``<case>.final``
                      (after 50) per trajectory case
  randn.safetensors   ``generator`` = two draws of ``torch.randn`` from ``torch.Generator().manual_seed(SEED)``
                      ((4, 4, 8, 8) then (5)) and ``global`` = ``torch.randn_like`` after ``torch.manual_seed(SEED)``

The tiny denoiser, computed identically by ``TinyDenoiser`` in the Java tests: ``h = conv2d(x, W[:P], b[:P])`` (1x1,
P = 4 or 8 prediction channels), plus for a class-conditional model ``0.5 * sin(0.37 * (label + 1) * (c + 1))`` on
channel c (the null class is ``num_classes``, 1000 as DiTPipeline hard-codes), then
``tanh(h) * (1 - t / 1000) + x * t / 1000`` (x repeated over the variance channels). The x term makes it behave like a
denoiser at high noise (epsilon ~ x_t), which keeps the trajectories well conditioned: without it x0 estimates grow to
hundreds and a 1-ulp change of the denoiser's output moves the reference's own 50-step result by up to 6e-4.

Seeded, CPU, float32, one thread, deterministic: two runs give byte-identical files.
"""

import json
import sys
import types
from pathlib import Path

import torch
import torch.nn as nn
from safetensors import safe_open
from safetensors.torch import save_file

from upstream import snapshot, upstream_arg

from diffusers import (DDIMScheduler, DDPMScheduler, DiTPipeline, DPMSolverMultistepScheduler,
                       FlowMatchEulerDiscreteScheduler)

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT = REPO_ROOT / "vae-diffusion/src/test/resources/fixtures/samplers"
COMMIT = "705b0076fc4fc3968cf52fae47bbb6fbdace5a6d"
SEED = 20231124
SHAPE = (4, 4, 8, 8)
STEPS = 50

# name -> how the schedule is built; "diffusers" ones through DDPMScheduler, "pytorch_diffusion" ones through get_betas
SCHEDULES = {
    "linear_1000": dict(source="diffusers", beta_schedule="linear", timesteps=1000, beta_start=0.0001, beta_end=0.02),
    "linear_37": dict(source="diffusers", beta_schedule="linear", timesteps=37, beta_start=0.001, beta_end=0.05),
    "scaled_linear_1000": dict(source="diffusers", beta_schedule="scaled_linear", timesteps=1000,
                               beta_start=0.00085, beta_end=0.012),
    "scaled_linear_64": dict(source="diffusers", beta_schedule="scaled_linear", timesteps=64,
                             beta_start=0.00085, beta_end=0.012),
    "squaredcos_cap_v2_1000": dict(source="diffusers", beta_schedule="squaredcos_cap_v2", timesteps=1000,
                                   beta_start=0.0001, beta_end=0.02),
    "squaredcos_cap_v2_50": dict(source="diffusers", beta_schedule="squaredcos_cap_v2", timesteps=50,
                                 beta_start=0.0001, beta_end=0.02),
    "sigmoid_100": dict(source="diffusers", beta_schedule="sigmoid", timesteps=100, beta_start=0.0001, beta_end=0.02),
    "zero_snr_linear_1000": dict(source="diffusers", beta_schedule="linear", timesteps=1000, beta_start=0.0001,
                                 beta_end=0.02, rescale_zero_snr=True),
    "zero_snr_scaled_linear_64": dict(source="diffusers", beta_schedule="scaled_linear", timesteps=64,
                                      beta_start=0.00085, beta_end=0.012, rescale_zero_snr=True),
    "zero_snr_squaredcos_cap_v2_50": dict(source="diffusers", beta_schedule="squaredcos_cap_v2", timesteps=50,
                                          beta_start=0.0001, beta_end=0.02, rescale_zero_snr=True),
    "zero_snr_sigmoid_100": dict(source="diffusers", beta_schedule="sigmoid", timesteps=100, beta_start=0.0001,
                                 beta_end=0.02, rescale_zero_snr=True),
    "pd_cosine_500": dict(source="pytorch_diffusion", type="cosine", timesteps=500, s=0.008),
    "pd_cosine_64": dict(source="pytorch_diffusion", type="cosine", timesteps=64, s=0.02),
    "pd_linear_500": dict(source="pytorch_diffusion", type="linear", timesteps=500, beta_start=0.0001, beta_end=0.02),
    "pd_quadratic_300": dict(source="pytorch_diffusion", type="quadratic", timesteps=300, beta_start=0.0005,
                             beta_end=0.03),
    "pd_sigmoid_400": dict(source="pytorch_diffusion", type="sigmoid", timesteps=400, beta_start=0.0001,
                           beta_end=0.02),
    "pd_scaled_linear_20": dict(source="pytorch_diffusion", type="scaled_linear", timesteps=20, beta_start=0.001,
                                beta_end=0.2),
}

DEFAULT = dict(prediction_type="epsilon", clip_sample=True, timestep_spacing="leading", steps_offset=0)

# single steps at step index `step` of a STEPS-step sequence; stochastic ones draw from Generator().manual_seed(seed)
STEP_CASES = [
    dict(name="ddpm_default_first", sampler="ddpm", schedule="linear_1000", step=0, seed=1, **DEFAULT),
    dict(name="ddpm_default_middle", sampler="ddpm", schedule="linear_1000", step=25, seed=2, **DEFAULT),
    dict(name="ddpm_default_last", sampler="ddpm", schedule="linear_1000", step=49, seed=3, **DEFAULT),
    dict(name="ddpm_v_trailing_noclip", sampler="ddpm", schedule="scaled_linear_1000", step=10, seed=4,
         prediction_type="v_prediction", clip_sample=False, timestep_spacing="trailing", steps_offset=0),
    dict(name="ddpm_sample_linspace_last", sampler="ddpm", schedule="squaredcos_cap_v2_1000", step=49, seed=5,
         prediction_type="sample", clip_sample=True, timestep_spacing="linspace", steps_offset=0),
    dict(name="ddpm_offset_last", sampler="ddpm", schedule="linear_1000", step=49, seed=6,
         prediction_type="epsilon", clip_sample=True, timestep_spacing="leading", steps_offset=1),
    dict(name="ddpm_zero_snr_v_first", sampler="ddpm", schedule="zero_snr_linear_1000", step=0, seed=7,
         prediction_type="v_prediction", clip_sample=False, timestep_spacing="trailing", steps_offset=0),
    dict(name="ddim_eta0_first", sampler="ddim", schedule="linear_1000", step=0, eta=0.0, set_alpha_to_one=True,
         seed=8, **DEFAULT),
    dict(name="ddim_eta0_last", sampler="ddim", schedule="linear_1000", step=49, eta=0.0, set_alpha_to_one=True,
         seed=9, **DEFAULT),
    dict(name="ddim_eta1_noclip", sampler="ddim", schedule="scaled_linear_1000", step=20, eta=1.0,
         set_alpha_to_one=True, seed=10, prediction_type="epsilon", clip_sample=False, timestep_spacing="leading",
         steps_offset=1),
    dict(name="ddim_v_trailing_alpha0", sampler="ddim", schedule="scaled_linear_1000", step=49, eta=0.3,
         set_alpha_to_one=False, seed=11, prediction_type="v_prediction", clip_sample=False,
         timestep_spacing="trailing", steps_offset=0),
    dict(name="ddim_sample_linspace", sampler="ddim", schedule="squaredcos_cap_v2_1000", step=5, eta=0.5,
         set_alpha_to_one=True, seed=12, prediction_type="sample", clip_sample=True, timestep_spacing="linspace",
         steps_offset=0),
    dict(name="ddim_zero_snr_v_first", sampler="ddim", schedule="zero_snr_scaled_linear_64", step=0, eta=0.0,
         set_alpha_to_one=True, seed=13, steps=16, prediction_type="v_prediction", clip_sample=False,
         timestep_spacing="trailing", steps_offset=0),
    dict(name="pd_ddim_first", sampler="pd_ddim", schedule="pd_cosine_500", skip=10, step=0, eta=0.75, seed=14),
    dict(name="pd_ddim_middle", sampler="pd_ddim", schedule="pd_cosine_500", skip=10, step=25, eta=0.75, seed=15),
    dict(name="pd_ddim_last", sampler="pd_ddim", schedule="pd_cosine_500", skip=10, step=49, eta=0.75, seed=16),
    dict(name="pd_ddim_eta0", sampler="pd_ddim", schedule="pd_linear_500", skip=10, step=10, eta=0.0, seed=17),
    dict(name="pd_ddpm_first", sampler="pd_ddpm", schedule="pd_cosine_500", skip=10, step=0, seed=18),
    dict(name="pd_ddpm_middle", sampler="pd_ddpm", schedule="pd_linear_500", skip=10, step=25, seed=19),
    dict(name="pd_ddpm_last", sampler="pd_ddpm", schedule="pd_cosine_500", skip=10, step=49, seed=20),
    dict(name="flow_shift1_first", sampler="flow_euler", shift=1.0, step=0),
    dict(name="flow_shift3_middle", sampler="flow_euler", shift=3.0, step=10),
    dict(name="flow_shift3_last", sampler="flow_euler", shift=3.0, step=49),
    dict(name="flow_odd_shift", sampler="flow_euler", shift=0.37, step=3, steps=7),
    # multistep: steps 0 and 1 (first order, then second order), model_output then model_output_2
    dict(name="dpm_two_steps", sampler="dpm", schedule="linear_1000", prediction_type="epsilon", steps_taken=2),
    dict(name="dpm_v_two_steps", sampler="dpm", schedule="scaled_linear_1000", prediction_type="v_prediction",
         steps_taken=2),
    dict(name="dpm_last_of_two", sampler="dpm", schedule="squaredcos_cap_v2_1000", prediction_type="epsilon",
         steps=2, steps_taken=2),
]

# 50-step trajectories from `noise` with the tiny denoiser; per-step noise from Generator().manual_seed(seed)
# (pytorch-diffusion: torch.manual_seed(seed) before its loop)
TRAJECTORY_CASES = [
    dict(name="ddpm", sampler="ddpm", schedule="linear_1000", seed=101, **DEFAULT),
    dict(name="ddpm_v_trailing", sampler="ddpm", schedule="scaled_linear_1000", seed=102,
         prediction_type="v_prediction", clip_sample=False, timestep_spacing="trailing", steps_offset=0),
    dict(name="ddim", sampler="ddim", schedule="linear_1000", eta=0.0, set_alpha_to_one=True, seed=103, **DEFAULT),
    dict(name="ddim_eta_zero_snr", sampler="ddim", schedule="zero_snr_linear_1000", eta=0.5, set_alpha_to_one=False,
         seed=104, prediction_type="v_prediction", clip_sample=False, timestep_spacing="trailing", steps_offset=0),
    dict(name="pd_ddim", sampler="pd_ddim", schedule="pd_cosine_500", skip=10, eta=0.75, seed=105),
    dict(name="pd_ddpm", sampler="pd_ddpm", schedule="pd_cosine_500", skip=10, seed=106),
    dict(name="flow_euler", sampler="flow_euler", shift=3.0, seed=107),
    dict(name="dpm", sampler="dpm", schedule="linear_1000", prediction_type="epsilon", seed=108),
    dict(name="dpm_cfg_dit", sampler="dpm", schedule="linear_1000", prediction_type="epsilon", seed=109,
         guidance_scale=4.0),
    dict(name="dpm_leading_offset", sampler="dpm", schedule="scaled_linear_1000", prediction_type="epsilon",
         seed=110, timestep_spacing="leading", steps_offset=1),
    dict(name="dpm_trailing_zero_snr", sampler="dpm", schedule="zero_snr_linear_1000",
         prediction_type="v_prediction", seed=111, timestep_spacing="trailing"),
]


# ------------------------------------------------------------------------------------------------- the tiny denoiser

class TinyDenoiser(nn.Module):
    """1x1 conv, an optional formula class embedding, tanh, mixed with x by t / 1000 (see the module docstring)."""

    def __init__(self, weight, bias, prediction_channels, num_classes):
        super().__init__()
        self.weight = weight[:prediction_channels]
        self.bias = bias[:prediction_channels]
        self.num_classes = num_classes

    def forward(self, x, t, labels=None):
        h = torch.nn.functional.conv2d(x, self.weight, self.bias)
        if self.num_classes > 0:
            if labels is None:
                labels = torch.full((x.shape[0],), self.num_classes, dtype=torch.int64)
            channel = torch.arange(1, h.shape[1] + 1, dtype=torch.float32)
            embedding = torch.sin((labels.float() + 1)[:, None] * channel[None, :] * 0.37) * 0.5
            h = h + embedding[:, :, None, None]
        mix = (t.float() / 1000).view(-1, 1, 1, 1)
        return torch.tanh(h) * (1 - mix) + x.repeat(1, h.shape[1] // x.shape[1], 1, 1) * mix


class PipelineComponent(nn.Module):
    """The device and dtype DiTPipeline asks its components for."""

    device = torch.device("cpu")
    dtype = torch.float32


class DitStub(PipelineComponent):
    """What DiTPipeline needs of its transformer: config, dtype and forward(...).sample, with learned sigma."""

    def __init__(self, denoiser):
        super().__init__()
        self.denoiser = denoiser
        self.config = types.SimpleNamespace(sample_size=SHAPE[2], in_channels=SHAPE[1], out_channels=2 * SHAPE[1])
        self.calls = 0

    def forward(self, latents, timestep, class_labels):
        self.calls += 1
        return types.SimpleNamespace(sample=self.denoiser(latents, timestep.float(), class_labels))


class RecordingVae(PipelineComponent):
    """DiTPipeline's vae: scaling factor 1, decode records the final latents and returns them."""

    def __init__(self):
        super().__init__()
        self.config = types.SimpleNamespace(scaling_factor=1.0)
        self.latents = None

    def decode(self, latents):
        self.latents = latents.clone()
        return types.SimpleNamespace(sample=latents)


# ---------------------------------------------------------------------------------------------------------- helpers

def diffusers_kwargs(spec):
    return dict(num_train_timesteps=spec["timesteps"], beta_schedule=spec["beta_schedule"],
                beta_start=spec["beta_start"], beta_end=spec["beta_end"],
                rescale_betas_zero_snr=spec.get("rescale_zero_snr", False))


def build_schedule(name, pd):
    spec = SCHEDULES[name]
    if spec["source"] == "diffusers":
        scheduler = DDPMScheduler(**diffusers_kwargs(spec))
        return scheduler.betas.clone(), scheduler.alphas_cumprod.clone()
    noise_kw = {k: v for k, v in spec.items() if k in ("type", "s", "beta_start", "beta_end")}
    betas = pd.get_betas(timesteps=spec["timesteps"], noise_kw=noise_kw)
    alphas_cumprod = pd.compute_alpha(betas, torch.arange(spec["timesteps"])).flatten()
    return betas.clone(), alphas_cumprod.clone()


def diffusers_scheduler(case):
    sampler = case["sampler"]
    if sampler == "flow_euler":
        return FlowMatchEulerDiscreteScheduler(shift=case["shift"])
    kwargs = diffusers_kwargs(SCHEDULES[case["schedule"]])
    if sampler == "dpm":
        return DPMSolverMultistepScheduler(prediction_type=case["prediction_type"],
                                           timestep_spacing=case.get("timestep_spacing", "linspace"),
                                           steps_offset=case.get("steps_offset", 0), **kwargs)
    kwargs.update(prediction_type=case["prediction_type"], clip_sample=case["clip_sample"],
                  timestep_spacing=case["timestep_spacing"], steps_offset=case["steps_offset"])
    if sampler == "ddim":
        return DDIMScheduler(set_alpha_to_one=case["set_alpha_to_one"], **kwargs)
    return DDPMScheduler(variance_type="fixed_small", **kwargs)


def diffusers_step(scheduler, case, output, t, x, generator):
    if case["sampler"] == "ddim":
        return scheduler.step(output, t, x, eta=case["eta"], generator=generator).prev_sample
    if case["sampler"] == "ddpm":
        return scheduler.step(output, t, x, generator=generator).prev_sample
    return scheduler.step(output, t, x).prev_sample


def pd_sequence(case):
    return list(range(0, SCHEDULES[case["schedule"]]["timesteps"], case["skip"]))


def pd_run(pd, case, betas, x, seq, model, seed):
    """pytorch-diffusion's own loop over ``seq``; returns its list of latents (xs)."""
    torch.manual_seed(seed)
    if case["sampler"] == "pd_ddim":
        xs, _ = pd.generalized_steps((x, None, None), seq, lambda xt, t, x_self_cond=None, lbls=None: model(xt, t),
                                     betas, eta=case["eta"])
    else:
        xs, _ = pd.ddpm_steps(x, seq, lambda xt, t: model(xt, t), betas)
    return xs


# ------------------------------------------------------------------------------------------------------ single steps

def single_steps(pd, schedules, inputs):
    sample, output, output2 = inputs["sample"], inputs["model_output"], inputs["model_output_2"]
    results = {}
    for case in STEP_CASES:
        steps = case.get("steps", STEPS)
        sampler = case["sampler"]
        if sampler.startswith("pd_"):
            seq = pd_sequence(case)
            k = len(seq) - 1 - case["step"]
            sub = seq[k - 1:k + 1] if k > 0 else seq[:1]
            xs = pd_run(pd, case, schedules[case["schedule"]][0], sample, sub, lambda xt, t: output, case["seed"])
            results[case["name"]] = xs[1]
            continue
        scheduler = diffusers_scheduler(case)
        scheduler.set_timesteps(steps)
        if sampler == "dpm":
            x = sample
            for i, out in enumerate((output, output2)[:case["steps_taken"]]):
                x = scheduler.step(out, scheduler.timesteps[i], x).prev_sample
            results[case["name"]] = x
            continue
        generator = torch.Generator().manual_seed(case["seed"]) if "seed" in case else None
        t = scheduler.timesteps[case["step"]]
        if sampler == "flow_euler":
            scheduler.set_begin_index(case["step"])
        results[case["name"]] = diffusers_step(scheduler, case, output, t, sample, generator)
    return results


# ------------------------------------------------------------------------------------------------------ trajectories

def trajectories(pd, schedules, weight, bias, noise, labels):
    results, timesteps = {}, {}
    for case in TRAJECTORY_CASES:
        name = case["name"]
        if "guidance_scale" in case:
            results[name + ".final"], results[name + ".step25"] = dit_pipeline(case, weight, bias, noise, labels)
            continue
        model = TinyDenoiser(weight, bias, SHAPE[1], 0)
        if case["sampler"].startswith("pd_"):
            xs = pd_run(pd, case, schedules[case["schedule"]][0], noise, pd_sequence(case), model, case["seed"])
            assert len(xs) == STEPS + 1
            results[name + ".step25"], results[name + ".final"] = xs[25], xs[-1]
            continue
        scheduler = diffusers_scheduler(case)
        scheduler.set_timesteps(STEPS)
        generator = torch.Generator().manual_seed(case["seed"])
        x = noise.clone()
        for i, t in enumerate(scheduler.timesteps):
            out = model(x, t.expand(x.shape[0]))
            x = diffusers_step(scheduler, case, out, t, x, generator)
            if i == 24:
                results[name + ".step25"] = x
        results[name + ".final"] = x
        timesteps[name] = [float(t) for t in scheduler.timesteps]
    return results, timesteps


def dit_pipeline(case, weight, bias, noise, labels):
    """diffusers' own DiTPipeline (classifier-free guidance, learned sigma dropped) with the class-conditional tiny
    denoiser (1000 classes, null class 1000) and a recording vae; the state after 25 steps from the pipeline's guidance
    lines run with the same scheduler, checked to reproduce the pipeline's final latents."""
    transformer = DitStub(TinyDenoiser(weight, bias, 2 * SHAPE[1], 1000))
    vae = RecordingVae()
    pipe = DiTPipeline(transformer=transformer, vae=vae, scheduler=diffusers_scheduler(case))
    pipe.set_progress_bar_config(disable=True)
    generator = torch.Generator().manual_seed(case["seed"])
    pipe(class_labels=labels.tolist(), guidance_scale=case["guidance_scale"], generator=generator,
         num_inference_steps=STEPS, output_type="np")
    assert transformer.calls == STEPS
    assert torch.equal(torch.randn(SHAPE, generator=torch.Generator().manual_seed(case["seed"])), noise), \
        "DiTPipeline's initial latents must be the trajectories' noise"
    states = guided_loop(case, weight, bias, noise, labels)
    difference = (states[-1] - vae.latents).abs().max().item()
    assert difference <= 1e-6, f"guidance lines differ from DiTPipeline by {difference}"
    return vae.latents, states[24]


def guided_loop(case, weight, bias, noise, labels):
    """DiTPipeline's loop body with the conditional and unconditional halves as two calls; the state after each step."""
    model = TinyDenoiser(weight, bias, 2 * SHAPE[1], 1000)
    scheduler = diffusers_scheduler(case)
    scheduler.set_timesteps(STEPS)
    x, g, states = noise.clone(), case["guidance_scale"], []
    for t in scheduler.timesteps:
        ts = t.expand(x.shape[0]).float()
        cond = model(x, ts, labels)[:, :SHAPE[1]]
        uncond = model(x, ts, None)[:, :SHAPE[1]]
        x = scheduler.step(uncond + g * (cond - uncond), t, x).prev_sample
        states.append(x)
    return states


# ------------------------------------------------------------------------------------------------------------- main

def contiguous(tensors):
    return {k: v.detach().clone().contiguous() for k, v in tensors.items()}


DESCRIPTIONS = {
    "schedules.safetensors": "`<schedule>.betas`, `<schedule>.alphas_cumprod`: float32, as DDPMScheduler holds them "
                             "(`betas`, `alphas_cumprod`) or as pytorch-diffusion's `get_betas` returns them and "
                             "`compute_alpha` gathers them; each schedule's options in `cases.json` `schedules`",
    "steps.safetensors": "`sample`, `model_output`, `model_output_2`: seeded randn inputs; `<case>.prev`: the reference "
                         "sampler's result for step case `<case>` (`cases.json` `step_cases`; multistep cases take "
                         "`model_output` then `model_output_2`)",
    "trajectories.safetensors": "`noise`: initial latents (= DiTPipeline's draw for the guided case's seed); `labels`; "
                                "`denoiser.weight`, `denoiser.bias`: the tiny denoiser's 1x1 conv (first 4 rows for "
                                "the unconditional model, all 8 for the learned-sigma one); `<case>.step25`, "
                                "`<case>.final`: latents after 25 and 50 steps (`cases.json` `trajectory_cases`)",
    "randn.safetensors": "`generator.0`, `generator.1`: consecutive `torch.randn` draws from "
                         "`torch.Generator().manual_seed(seed)`; `global`: `torch.randn_like` after "
                         "`torch.manual_seed(seed)`",
}


def write_readme(sizes):
    lines = ["# samplers fixtures", "",
             "Generated by `tools/reference/gen_diffusion_samplers.py` (diffusers 0.42.1 schedulers and DiTPipeline;",
             f"stanipov/pytorch-diffusion `{COMMIT[:7]}` `src/models/diffusion.py` and `noise_schedulers.py`).",
             "`cases.json` lists the options of every schedule and case.", "",
             "The tiny denoiser: `tanh(conv1x1(x) + [0.5 sin(0.37 (label + 1) (c + 1))]) * (1 - t / 1000) + x t / 1000`;",
             "the null class of the class-conditional one is 1000 (DiTPipeline's).", ""]
    for name, size in sizes.items():
        lines += [f"## `{name}` ({size} bytes)", ""]
        if name in DESCRIPTIONS:
            lines += [DESCRIPTIONS[name], ""]
            with safe_open(OUT / name, "pt") as f:
                for key in f.keys():
                    tensor = f.get_tensor(key)
                    lines.append(f"- `{key}` {tuple(tensor.shape)} {str(tensor.dtype).replace('torch.', '')}")
            lines.append("")
    (OUT / "README.md").write_text("\n".join(lines))


def main():
    repo = upstream_arg("PYTORCH_DIFFUSION_REPO", "stanipov/pytorch-diffusion")
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    root = snapshot(repo, COMMIT, ["src/__init__.py", "src/models/__init__.py", "src/models/diffusion.py",
                                   "src/models/noise_schedulers.py", "src/losses/__init__.py", "src/losses/util.py"])
    sys.path.insert(0, str(root))
    import src.models.diffusion as pd
    OUT.mkdir(parents=True, exist_ok=True)

    schedules = {name: build_schedule(name, pd) for name in SCHEDULES}
    schedule_tensors = {}
    for name, (betas, alphas_cumprod) in schedules.items():
        assert betas.dtype == torch.float32 and alphas_cumprod.dtype == torch.float32
        schedule_tensors[name + ".betas"] = betas
        schedule_tensors[name + ".alphas_cumprod"] = alphas_cumprod
        if SCHEDULES[name].get("rescale_zero_snr"):
            assert alphas_cumprod[-1] == 0
    save_file(contiguous(schedule_tensors), OUT / "schedules.safetensors")

    gen = torch.Generator().manual_seed(SEED)
    inputs = {"sample": torch.randn(SHAPE, generator=gen), "model_output": torch.randn(SHAPE, generator=gen),
              "model_output_2": torch.randn(SHAPE, generator=gen)}
    steps = {k + ".prev": v for k, v in single_steps(pd, schedules, inputs).items()}
    save_file(contiguous({**inputs, **steps}), OUT / "steps.safetensors")

    weight = torch.randn(2 * SHAPE[1], SHAPE[1], 1, 1, generator=gen) * 0.5
    bias = torch.randn(2 * SHAPE[1], generator=gen) * 0.1
    labels = torch.tensor([3, 141, 999, 0], dtype=torch.int64)
    noise_seed = next(c["seed"] for c in TRAJECTORY_CASES if "guidance_scale" in c)
    noise = torch.randn(SHAPE, generator=torch.Generator().manual_seed(noise_seed))
    with torch.no_grad():
        results, timesteps = trajectories(pd, schedules, weight, bias, noise, labels)
    save_file(contiguous({"noise": noise, "labels": labels, "denoiser.weight": weight, "denoiser.bias": bias,
                          **results}), OUT / "trajectories.safetensors")

    g = torch.Generator().manual_seed(SEED)
    first = torch.randn(SHAPE, generator=g)
    second = torch.randn(5, generator=g)
    torch.manual_seed(SEED)
    global_draw = torch.randn_like(first)
    save_file(contiguous({"generator.0": first, "generator.1": second, "global": global_draw}),
              OUT / "randn.safetensors")

    cases = {"seed": SEED, "steps": STEPS, "schedules": SCHEDULES, "step_cases": STEP_CASES,
             "trajectory_cases": TRAJECTORY_CASES, "trajectory_timesteps": timesteps}
    (OUT / "cases.json").write_text(json.dumps(cases, indent=1) + "\n")
    sizes = {p.name: p.stat().st_size for p in sorted(OUT.iterdir()) if p.name != "README.md"}
    write_readme(sizes)
    for name, size in sizes.items():
        print(f"{name}: {size} bytes")


if __name__ == "__main__":
    main()
