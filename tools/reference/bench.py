#!/usr/bin/env python3
"""PyTorch/diffusers reference for `vae bench`: the same workloads, shapes, thread count, precision and memory format.

Workloads (names and shapes as dev.vae4j.cli.bench.Workloads; random seeded weights):
  sd-encode             diffusers AutoencoderKL (SD config) encode of (1, 3, S, S) -> posterior mode, S = 256
  sd-decode             decode of a (1, 4, S/8, S/8) latent
  taesd-decode          diffusers AutoencoderTiny (taesd defaults) decode of the same (1, 4, S/8, S/8) latent
  sd-encode-decode      encode (mode) then decode
  train-step-small      small AutoencoderKL ([32, 64], 1 layer/block, 8 groups, 4 latents) on a (2, 3, S, S) batch
                        (tanh of standard normal), S = 64: encode, posterior sample, decode,
                        loss = L1 mean + 1e-6 * KL mean, backward, Adam(lr 1e-4, betas 0.9/0.999) step, zero grad
  ldm-kl-f8-train-step  one training step of the ldm-kl-f8 recipe on (8, 3, S, S) images (tanh of standard normal),
                        S = 256: SD-config AutoencoderKL, pip lpips VGG16 LPIPS with random trunk and heads (no
                        download), taming's NLayerDiscriminator (ndf 64, 3 layers); encode, posterior sample, decode
                        under bf16 autocast whatever --precision says, then in float32 LDM's LPIPSWithDiscriminator
                        (L1 + LPIPS, sum over batch, kl 1e-6, adaptive d_weight * 0.5, -mean D(x^)), backward, the
                        hinge discriminator loss on detached images, backward, Adam(4.5e-6, 0.5/0.9) steps of both
  litevae-b-encode      LiteVAE-B (open-b) encoder moments of (1, 3, S, S) (the module of gen_litevae.py)
  sd-tiled-decode-1024  enable_tiling() decode of a (1, 4, 128, 128) latent (256-px tiles, 25% overlap); fixed size
  sd-tiled-encode       enable_tiling() encode (mode) of (1, 3, S, S), S = 1024
  sd-tiled-decode       enable_tiling() decode of (1, 4, S/8, S/8), S = 1024
  dit-s2-forward        diffusers DiTTransformer2DModel DiT-S/2 (6 heads x 64, 12 layers, in 4, out 8, patch 2,
                        1000 classes) eval forward of (8, 4, S, S) latents at fixed timesteps and labels, S = 32
  dit-s2-train-step     DiT-S/2 training step on (8, 4, S, S) latents (tanh of standard normal), S = 32: timesteps and
                        noise from a seeded generator, x_t = DDPMScheduler (linear, 1000 steps).add_noise, epsilon
                        loss = MSE(output[:, :4], noise), backward, AdamW(lr 1e-4, weight decay 0) step, zero grad
  ddim-50               DDIMScheduler (diffusers defaults) 50-step sampling of 8 latents (8, 4, S, S) with DiT-S/2,
                        fixed labels, no guidance, S = 32
  dit-s2-sample-decode  diffusers DiTPipeline(DiT-S/2, SD-config AutoencoderKL, DDIMScheduler()) called with the 8
                        fixed labels, guidance_scale 4.0, 50 steps, output_type "pt": sampling of (8, 4, S, S) latents
                        (the doubled classifier-free-guidance batch) and vae.decode(latents / scaling_factor) into
                        (8, 3, 8S, 8S) images, S = 32

--precision bf16|fp16 runs each op under torch.autocast(device, dtype) (fp16 stays float32 for models whose config
sets force_upcast, as diffusers pipelines do); --channels-last moves the model to torch.channels_last once and
each run's input before the op. Every run returns its output as float32, contiguous, like vae4j's InferenceOptions.

Inference workloads run under torch.inference_mode(). Each workload runs in a fresh child process; peak RSS is
VmHWM (reset through /proc/self/clear_refs) above the RSS right before the model is built, like the Java side.
Each timed run also records the process's CPU time (all threads, time.process_time(), like the Java side's), which
other load on the machine changes far less than wall time. Prints a table, or with --json the report schema of
BenchReport (implementation "pytorch").

Usage: bench.py [--workloads a,b] [--runs N] [--warmup W] [--threads T] [--device cpu|cuda] [--size PX]
                [--precision fp32|bf16|fp16] [--channels-last] [--cudnn-benchmark] [--json]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

WORKLOADS = ["sd-encode", "sd-decode", "taesd-decode", "sd-encode-decode", "train-step-small", "ldm-kl-f8-train-step",
             "litevae-b-encode", "sd-tiled-decode-1024", "sd-tiled-encode", "sd-tiled-decode", "dit-s2-forward", "dit-s2-train-step", "ddim-50",
             "dit-s2-sample-decode"]
DESCRIPTIONS = {
    "sd-encode": "SD-preset encode (posterior mode), batch 1",
    "sd-decode": "SD-preset decode, batch 1",
    "taesd-decode": "AutoencoderTiny (taesd) decode, batch 1",
    "sd-encode-decode": "SD-preset encode (mode) then decode, batch 1",
    "train-step-small": "small AutoencoderKL training step (L1 + 1e-6 KL, Adam), batch 2",
    "ldm-kl-f8-train-step": "ldm-kl-f8 training step (SD KL-f8, LPIPS + PatchGAN, both updated), bf16 autocast,"
                            " batch 8",
    "litevae-b-encode": "LiteVAE-B (open-b) encoder moments, batch 1",
    "sd-tiled-decode-1024": "SD-preset tiled decode of a 128x128 latent (256-px tiles)",
    "sd-tiled-encode": "SD-preset tiled encode (posterior mode, 256-px tiles), batch 1",
    "sd-tiled-decode": "SD-preset tiled decode (256-px tiles), batch 1",
    "dit-s2-forward": "DiT-S/2 forward (eval), batch 8",
    "dit-s2-train-step": "DiT-S/2 epsilon training step (MSE, AdamW), batch 8",
    "ddim-50": "DDIM 50-step sampling with DiT-S/2, batch 8",
    "dit-s2-sample-decode": "DiT-S/2 DDIM 50 steps, guidance 4, SD-preset decode, batch 8",
}
DEFAULT_SIZE = {"dit-s2-forward": 32, "dit-s2-train-step": 32, "ddim-50": 32, "dit-s2-sample-decode": 32, "train-step-small": 64, "sd-tiled-decode-1024": 1024, "sd-tiled-encode": 1024,
                "sd-tiled-decode": 1024}
DTYPES = {"fp32": "float32", "bf16": "bfloat16", "fp16": "float16"}
TRAIN_BATCH = 2
LDM_TRAIN_BATCH = 8
DIT_BATCH = 8
RESULT_PREFIX = "BENCH_RESULT "


def status_bytes(field):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int("".join(c for c in line if c.isdigit())) * 1024
    except OSError:
        pass
    return -1


def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def sd_model(torch, device):
    from diffusers import AutoencoderKL
    torch.manual_seed(0)
    return AutoencoderKL(in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",) * 4,
                         up_block_types=("UpDecoderBlock2D",) * 4, block_out_channels=(128, 256, 512, 512),
                         layers_per_block=2, act_fn="silu", latent_channels=4, norm_num_groups=32,
                         sample_size=256, scaling_factor=0.18215).to(device).eval()


def normal(torch, device, *shape):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(0)).to(device)


def prepare(torch, name, size, device):
    """Returns (input tensor, images per run, inference?, op, module, force_upcast)."""
    if name in ("sd-encode", "sd-tiled-encode"):
        vae = sd_model(torch, device)
        if name == "sd-tiled-encode":
            vae.enable_tiling()
        return (normal(torch, device, 1, 3, size, size), 1, True, lambda x: vae.encode(x).latent_dist.mode(), vae,
                vae.config.force_upcast)
    if name in ("sd-decode", "sd-tiled-decode", "sd-tiled-decode-1024"):
        vae = sd_model(torch, device)
        if name != "sd-decode":
            vae.enable_tiling()
        return (normal(torch, device, 1, 4, size // 8, size // 8), 1, True, lambda z: vae.decode(z).sample, vae,
                vae.config.force_upcast)
    if name == "taesd-decode":
        from diffusers import AutoencoderTiny
        torch.manual_seed(0)
        tiny = AutoencoderTiny(latent_channels=4).to(device).eval()
        return normal(torch, device, 1, 4, size // 8, size // 8), 1, True, lambda z: tiny.decode(z).sample, tiny, False
    if name == "sd-encode-decode":
        vae = sd_model(torch, device)
        return (normal(torch, device, 1, 3, size, size), 1, True,
                lambda x: vae.decode(vae.encode(x).latent_dist.mode()).sample, vae, vae.config.force_upcast)
    if name == "litevae-b-encode":
        from gen_litevae import LiteVaeEncoder, config
        torch.manual_seed(0)
        block = (32, [1, 2, 3], 4)
        encoder = LiteVaeEncoder(config("open-litevae", block, block)).to(device).eval()
        return normal(torch, device, 1, 3, size, size), 1, True, encoder, encoder, False
    if name == "train-step-small":
        from diffusers import AutoencoderKL
        torch.manual_seed(0)
        vae = AutoencoderKL(in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",) * 2,
                            up_block_types=("UpDecoderBlock2D",) * 2, block_out_channels=(32, 64),
                            layers_per_block=1, act_fn="silu", latent_channels=4, norm_num_groups=8,
                            sample_size=64).to(device).train()
        optimizer = torch.optim.Adam(vae.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-8)
        generator = torch.Generator().manual_seed(1)

        def step(x):
            posterior = vae.encode(x).latent_dist
            noise = torch.randn(posterior.mean.shape, generator=generator).to(x.device)
            z = posterior.mean + posterior.std * noise
            reconstruction = vae.decode(z).sample
            loss = (reconstruction - x).abs().mean() + 1e-6 * posterior.kl().mean()
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            return loss
        return (normal(torch, device, TRAIN_BATCH, 3, size, size).tanh(), TRAIN_BATCH, False, step, vae,
                vae.config.force_upcast)
    if name == "ldm-kl-f8-train-step":
        return ldm_train_step(torch, size, device)
    if name in ("dit-s2-forward", "dit-s2-train-step", "ddim-50", "dit-s2-sample-decode"):
        return dit_workload(torch, name, size, device)
    raise ValueError(f"unknown workload '{name}'; known: {WORKLOADS}")


def ldm_train_step(torch, size, device):
    """The ldm-kl-f8 recipe's step as vae4j's Trainer runs it (see the module docstring)."""
    import lpips
    from taming.modules.discriminator.model import NLayerDiscriminator, weights_init
    from taming.modules.losses.vqperceptual import hinge_d_loss
    vae = sd_model(torch, device).train()
    disc = NLayerDiscriminator(input_nc=3, ndf=64, n_layers=3, use_actnorm=False).apply(weights_init).to(device)
    perceptual = lpips.LPIPS(net="vgg", pretrained=False, pnet_rand=True, verbose=False).to(device).eval()
    perceptual.requires_grad_(False)
    opt_g = torch.optim.Adam(vae.parameters(), lr=4.5e-6, betas=(0.5, 0.9), eps=1e-8)
    opt_d = torch.optim.Adam(disc.parameters(), lr=4.5e-6, betas=(0.5, 0.9), eps=1e-8)
    last_layer = vae.decoder.conv_out.weight
    generator = torch.Generator().manual_seed(1)

    def step(x):
        with torch.autocast(device.type, dtype=torch.bfloat16):
            posterior = vae.encode(x).latent_dist
            noise = torch.randn(posterior.mean.shape, generator=generator).pin_memory() if device.type == "cuda" \
                else torch.randn(posterior.mean.shape, generator=generator)
            z = posterior.mean + posterior.std * noise.to(device, non_blocking=True)
            xr = vae.decode(z).sample.float()
        with torch.autocast(device.type, enabled=False):
            disc.requires_grad_(False)
            nll_el = (x - xr).abs() + perceptual(x, xr)
            nll = nll_el.sum() / nll_el.shape[0]
            kl = posterior.kl().sum() / x.shape[0]
            g = -torch.mean(disc(xr))
            nll_grads = torch.autograd.grad(nll, last_layer, retain_graph=True)[0]
            g_grads = torch.autograd.grad(g, last_layer, retain_graph=True)[0]
            d_weight = torch.clamp(torch.norm(nll_grads) / (torch.norm(g_grads) + 1e-4), 0.0, 1e4).detach() * 0.5
            total = nll + 1e-6 * kl + d_weight * 1.0 * g
            total.backward()
            disc.requires_grad_(True)
            d_loss = hinge_d_loss(disc(x.detach()), disc(xr.detach()))
            d_loss.backward()
        opt_g.step()
        opt_d.step()
        opt_g.zero_grad(set_to_none=True)
        opt_d.zero_grad(set_to_none=True)
        return total.detach()
    return (normal(torch, device, LDM_TRAIN_BATCH, 3, size, size).tanh(), LDM_TRAIN_BATCH, False, step, vae,
            vae.config.force_upcast)


def dit_s2(torch, size, device):
    from diffusers import DiTTransformer2DModel
    torch.manual_seed(0)
    return DiTTransformer2DModel(num_attention_heads=6, attention_head_dim=64, in_channels=4, out_channels=8,
                                 num_layers=12, sample_size=size, patch_size=2, num_embeds_ada_norm=1000).to(device)


def dit_workload(torch, name, size, device):
    """The DiT-S/2 workloads (see the module docstring); timesteps and labels fixed per run."""
    from diffusers import DDIMScheduler, DDPMScheduler, DiTPipeline
    dit = dit_s2(torch, size, device)
    generator = torch.Generator().manual_seed(1)
    labels = torch.randint(0, 1000, (DIT_BATCH,), generator=generator).to(device)
    if name == "dit-s2-forward":
        dit.eval()
        timesteps = torch.randint(0, 1000, (DIT_BATCH,), generator=generator).float().to(device)
        return (normal(torch, device, DIT_BATCH, 4, size, size), DIT_BATCH, True,
                lambda x: dit(x, timestep=timesteps, class_labels=labels).sample, dit, False)
    if name == "ddim-50":
        dit.eval()
        scheduler = DDIMScheduler()

        def sample(x):
            scheduler.set_timesteps(50)
            for t in scheduler.timesteps:
                out = dit(x, timestep=t.expand(x.shape[0]).to(device), class_labels=labels).sample[:, :4]
                x = scheduler.step(out.float(), t, x).prev_sample
            return x
        return normal(torch, device, DIT_BATCH, 4, size, size), DIT_BATCH, True, sample, dit, False
    if name == "dit-s2-sample-decode":
        dit.eval()
        pipe = DiTPipeline(transformer=dit, vae=sd_model(torch, device), scheduler=DDIMScheduler())
        pipe.set_progress_bar_config(disable=True)
        class_ids = labels.tolist()

        def generate(x):  # the pipeline draws its own (8, 4, S, S) noise, like x, from a seeded CPU generator
            return pipe(class_labels=class_ids, guidance_scale=4.0, generator=torch.Generator().manual_seed(0),
                        num_inference_steps=50, output_type="pt").images
        return normal(torch, device, DIT_BATCH, 4, size, size), DIT_BATCH, True, generate, pipe.transformer, False
    dit.train()
    scheduler = DDPMScheduler()
    optimizer = torch.optim.AdamW(dit.parameters(), lr=1e-4, weight_decay=0.0)

    def step(x0):
        timesteps = torch.randint(0, 1000, (x0.shape[0],), generator=generator).to(device)
        noise = torch.randn(x0.shape, generator=generator).to(device)
        xt = scheduler.add_noise(x0, noise, timesteps)
        out = dit(xt, timestep=timesteps, class_labels=labels).sample[:, :4]
        loss = torch.nn.functional.mse_loss(out.float(), noise)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return loss.detach()
    return normal(torch, device, DIT_BATCH, 4, size, size).tanh(), DIT_BATCH, False, step, dit, False


def run_child(args):
    import torch
    torch.set_num_threads(args.threads)
    if args.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda asked for, but CUDA is not available")
    torch.backends.cudnn.benchmark = args.cudnn_benchmark
    import diffusers  # noqa: F401 -- imported before the baseline so the peak counts only the workload
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import gen_litevae  # noqa: F401
    name = args.child
    size = DEFAULT_SIZE.get(name, 256) if args.size is None or name == "sd-tiled-decode-1024" else args.size
    reset_peak()
    cuda = args.device == "cuda"
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    baseline = status_bytes("VmRSS")
    x, images, inference, op, module, force_upcast = prepare(torch, name, size, torch.device(args.device))
    memory_format = torch.channels_last if args.channels_last else torch.contiguous_format
    if args.channels_last:
        module.to(memory_format=torch.channels_last)
    dtype = getattr(torch, DTYPES[args.precision])
    autocast = args.precision != "fp32" and not (args.precision == "fp16" and force_upcast)

    def once():
        """(wall ms, process CPU ms of all threads) of one run."""
        with torch.inference_mode(inference):
            start, cpu_start = time.perf_counter(), time.process_time()
            with torch.autocast(args.device, dtype=dtype, enabled=autocast):
                y = op(x.contiguous(memory_format=memory_format))
            y.float().contiguous().sum().item()  # reading a scalar waits for the result
            return (time.perf_counter() - start) * 1000.0, (time.process_time() - cpu_start) * 1000.0

    for _ in range(args.warmup):
        once()
    timed = [once() for _ in range(args.runs)]
    times, cpu = [t for t, _ in timed], [c for _, c in timed]
    peak = status_bytes("VmHWM")
    median = statistics.median(times)
    result = {
        "workload": name, "description": DESCRIPTIONS[name], "input_shape": list(x.shape),
        "images_per_run": images, "median_ms": median, "min_ms": min(times), "max_ms": max(times),
        "images_per_s": images * 1000.0 / median,
        "peak_rss_mb": (peak - baseline) / 2 ** 20 if peak >= 0 and baseline >= 0 else -1,
        "peak_cuda_mb": torch.cuda.max_memory_allocated() / 2 ** 20 if cuda else -1, "times_ms": times,
        "cpu_ms": cpu,
    }
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def fork(args, name):
    command = [sys.executable, os.path.abspath(__file__), "--child", name, "--threads", str(args.threads),
               "--runs", str(args.runs), "--warmup", str(args.warmup), "--device", args.device,
               "--precision", args.precision] + (["--channels-last"] if args.channels_last else []) \
        + (["--cudnn-benchmark"] if args.cudnn_benchmark else [])
    if args.size is not None:
        command += ["--size", str(args.size)]
    proc = subprocess.run(command, capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX):])
        print(f"[{name}] {line}", file=sys.stderr)
    sys.stderr.write(proc.stderr)
    raise SystemExit(f"benchmark child for {name} failed with exit code {proc.returncode}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--size", type=int, default=None)
    parser.add_argument("--precision", default="fp32", choices=sorted(DTYPES))
    parser.add_argument("--channels-last", action="store_true")
    parser.add_argument("--cudnn-benchmark", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.runs < 1 or args.warmup < 0 or args.threads < 1:
        parser.error("need --runs >= 1, --warmup >= 0, --threads >= 1")
    if args.child:
        run_child(args)
        return
    names = [n.strip() for n in args.workloads.split(",") if n.strip()]
    for n in names:
        if n not in WORKLOADS:
            parser.error(f"unknown workload '{n}'; known: {WORKLOADS}")
    results = [fork(args, n) for n in names]
    memory_format = "channels_last" if args.channels_last else "contiguous"
    report = {"implementation": "pytorch", "device": args.device, "threads": args.threads,
              "dtype": DTYPES[args.precision], "memory_format": memory_format, "runs": args.runs,
              "warmup": args.warmup, "results": results}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"pytorch bench: {args.device}, {args.threads} thread(s), {DTYPES[args.precision]}, {memory_format}, "
          f"{args.warmup} warm-up + "
          f"{args.runs} timed run(s), one fresh process per workload")
    print(f"{'workload':22} {'input':18} {'median ms':>10} {'min ms':>10} {'max ms':>10} {'img/s':>9} "
          f"{'peak RSS MiB':>12}")
    for r in results:
        shape = str(r["input_shape"]).replace(" ", "")
        print(f"{r['workload']:22} {shape:18} {r['median_ms']:10.1f} {r['min_ms']:10.1f} {r['max_ms']:10.1f} "
              f"{r['images_per_s']:9.3f} {r['peak_rss_mb']:12.1f}")


if __name__ == "__main__":
    main()
