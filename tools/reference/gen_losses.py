#!/usr/bin/env python3
"""Parity fixtures for vae4j's losses (vae-losses module).

Writes into ``vae-losses/src/test/resources/fixtures/losses/``:

  lpips_weights.safetensors  a narrow (widths /16) VGG16 trunk under torchvision ``features.N`` names and
                             seeded random LPIPS heads ``lin{k}.model.1.weight``
  lpips_io.safetensors       inputs and the outputs of pip ``lpips`` 0.1.4 (``LPIPS(net='vgg')``, version 0.1,
                             eval mode) run with that trunk: distance, spatial map, input gradient
  ldm_io.safetensors         fixed tensors (images, a last "decoder" conv, a posterior, a tiny discriminator)
                             and the outputs of LDM ``LPIPSWithDiscriminator`` math (contperceptual.py /
                             taming vqperceptual.py, transcribed below) for several configurations, plus the
                             diffusers train_autoencoderkl recipe with mean normalisation
  small_io.safetensors       KL, pooled MSE, GAN losses, gradnorm, R1 and LeCam on fixed tensors

pip ``lpips`` is run for real: ``lpips.LPIPS(net='vgg', pretrained=True, pnet_rand=True)`` builds the real
ScalingLayer / normalize_tensor / NetLinLayer / spatial_average code path without downloading torchvision
weights; its trunk slices and heads are then replaced by narrow, identically structured ones. Runs on the CPU
in float32 with one thread and deterministic algorithms. Never touches the network.
"""

import math
import os
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

import lpips
from lpips import pretrained_networks as pn

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT = REPO_ROOT / "vae-losses/src/test/resources/fixtures/losses"
SEED = 20240612
WIDTHS = [4, 8, 16, 32, 32]  # VGG16 64/128/256/512/512 divided by 16
CONVS = [2, 2, 3, 3, 3]


def setup():
    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)


def narrow_vgg_features(gen):
    """torchvision vgg16 cfg 'D' features with narrow widths, He-normal weights, 0.1*N biases."""
    layers, c_in = [], 3
    for stage, w in enumerate(WIDTHS):
        for _ in range(CONVS[stage]):
            conv = nn.Conv2d(c_in, w, 3, padding=1)
            with torch.no_grad():
                conv.weight.copy_(torch.randn(conv.weight.shape, generator=gen) * math.sqrt(2.0 / conv.weight[0].numel()))
                conv.bias.copy_(0.1 * torch.randn(conv.bias.shape, generator=gen))
            layers += [conv, nn.ReLU(inplace=True)]
            c_in = w
        layers.append(nn.MaxPool2d(2, 2))
    features = nn.Sequential(*layers)
    assert len(features) == 31
    return features


def build_lpips(gen):
    model = lpips.LPIPS(net='vgg', pretrained=True, pnet_rand=True, verbose=False)  # real heads load, trunk random
    features = narrow_vgg_features(gen)
    trunk = model.net
    assert isinstance(trunk, pn.vgg16)
    bounds = [(0, 4), (4, 9), (9, 16), (16, 23), (23, 30)]
    for k, (a, b) in enumerate(bounds):  # same slicing as pretrained_networks.vgg16.__init__
        s = nn.Sequential()
        for x in range(a, b):
            s.add_module(str(x), features[x])
        setattr(trunk, f"slice{k + 1}", s)
    heads = []
    for k, w in enumerate(WIDTHS):
        head = lpips.NetLinLayer(w, use_dropout=True)
        with torch.no_grad():
            head.model[1].weight.copy_(0.1 * torch.randn(head.model[1].weight.shape, generator=gen).abs())
        setattr(model, f"lin{k}", head)
        heads.append(head)
    model.lins = nn.ModuleList(heads)
    model.chns = list(WIDTHS)
    for p in model.parameters():
        p.requires_grad_(False)
    model.eval()
    weights = {f"features.{i}.{n}": t.detach().clone().contiguous()
               for i, m in enumerate(features) for n, t in m.named_parameters(recurse=False)}
    for k in range(5):
        weights[f"lin{k}.model.1.weight"] = getattr(model, f"lin{k}").model[1].weight.detach().clone().contiguous()
    return model, weights


def lpips_fixture(model, gen):
    io = {}
    x0 = (torch.rand(2, 3, 32, 32, generator=gen) * 2 - 1)
    x1 = (x0 + 0.3 * torch.randn(x0.shape, generator=gen)).clamp(-1, 1)
    io["x0"], io["x1"] = x0, x1
    io["lpips"] = model(x0, x1)
    x0g = x0.clone().requires_grad_(True)
    model(x0g, x1).sum().backward()
    io["lpips_grad_x0"] = x0g.grad
    spatial = lpips.LPIPS(net='vgg', pretrained=False, pnet_rand=True, spatial=True, verbose=False)
    spatial.net, spatial.lins, spatial.chns = model.net, model.lins, model.chns
    for k in range(5):
        setattr(spatial, f"lin{k}", model.lins[k])
    spatial.eval()
    y0 = torch.rand(1, 3, 36, 44, generator=gen) * 2 - 1
    y1 = torch.rand(1, 3, 36, 44, generator=gen) * 2 - 1
    io["y0"], io["y1"] = y0, y1
    io["lpips_spatial"] = spatial(y0, y1)
    io["lpips_y"] = model(y0, y1)
    return io


# --------------------------------------------------------------- LDM / taming loss math (transcribed)

def adopt_weight(weight, global_step, threshold=0, value=0.):
    if global_step < threshold:
        weight = value
    return weight


def hinge_d_loss(logits_real, logits_fake):
    return 0.5 * (torch.mean(F.relu(1. - logits_real)) + torch.mean(F.relu(1. + logits_fake)))


def vanilla_d_loss(logits_real, logits_fake):
    return 0.5 * (torch.mean(F.softplus(-logits_real)) + torch.mean(F.softplus(logits_fake)))


def calculate_adaptive_weight(nll_loss, g_loss, last_layer, disc_weight):
    nll_grads = torch.autograd.grad(nll_loss, last_layer, retain_graph=True)[0]
    g_grads = torch.autograd.grad(g_loss, last_layer, retain_graph=True)[0]
    d_weight = torch.norm(nll_grads) / (torch.norm(g_grads) + 1e-4)
    d_weight = torch.clamp(d_weight, 0.0, 1e4).detach()
    return d_weight * disc_weight


def kl_of(mean, logvar):
    logvar = torch.clamp(logvar, -30.0, 20.0)
    return 0.5 * torch.sum(torch.pow(mean, 2) + torch.exp(logvar) - 1.0 - logvar, dim=[1, 2, 3])


def ldm_generator(inputs, recon, mean, logvar_post, disc, lp, last_layer, step, cfg):
    """LDM LPIPSWithDiscriminator.forward(optimizer_idx=0)."""
    logvar = torch.ones(size=()) * cfg["logvar_init"]
    rec_loss = torch.abs(inputs.contiguous() - recon.contiguous())
    p_loss = lp(inputs.contiguous(), recon.contiguous())
    if cfg["perceptual_weight"] > 0:
        rec_loss = rec_loss + cfg["perceptual_weight"] * p_loss
    nll_loss = rec_loss / torch.exp(logvar) + logvar
    weighted_nll_loss = torch.sum(nll_loss) / nll_loss.shape[0]
    nll_loss = torch.sum(nll_loss) / nll_loss.shape[0]
    kl_loss = kl_of(mean, logvar_post)
    kl_loss = torch.sum(kl_loss) / kl_loss.shape[0]
    logits_fake = disc(recon.contiguous())
    g_loss = -torch.mean(logits_fake)
    d_weight = calculate_adaptive_weight(nll_loss, g_loss, last_layer, cfg["disc_weight"]) \
        if cfg["disc_factor"] > 0 else torch.tensor(0.0)
    disc_factor = adopt_weight(cfg["disc_factor"], step, threshold=cfg["disc_start"])
    loss = weighted_nll_loss + cfg["kl_weight"] * kl_loss + d_weight * disc_factor * g_loss
    terms = dict(total=loss, nll=nll_loss, rec=torch.abs(inputs - recon).mean(), rec_ldm=rec_loss.mean(), kl=kl_loss, p=p_loss.mean(), g=g_loss,
                 d_weight=d_weight, disc_factor=torch.tensor(float(disc_factor)), logvar=logvar)
    return loss, terms


def diffusers_script_generator(inputs, recon, mean, logvar_post, disc, lp, last_layer, step, cfg):
    """diffusers training script: rec (MSE, mean) + 0.5 LPIPS (mean) + 1e-6 KL (sum/N) + d_weight * disc_factor * g."""
    rec = F.mse_loss(recon, inputs)
    p = lp(recon, inputs).mean()
    nll = rec + cfg["perceptual_weight"] * p
    kl = torch.sum(kl_of(mean, logvar_post)) / inputs.shape[0]
    logits_fake = disc(recon)
    g_loss = -torch.mean(logits_fake)
    d_weight = calculate_adaptive_weight(nll, g_loss, last_layer, cfg["disc_weight"])
    disc_factor = cfg["disc_factor"] if step >= cfg["disc_start"] else 0.0
    loss = nll + cfg["kl_weight"] * kl + d_weight * disc_factor * g_loss
    terms = dict(total=loss, nll=nll, rec=rec, kl=kl, p=p, g=g_loss, d_weight=d_weight,
                 disc_factor=torch.tensor(float(disc_factor)))
    return loss, terms


class TinyDisc(nn.Module):
    """conv(3->4, k4 s2 p1) + LeakyReLU(0.2) + conv(4->1, k3 s1 p1): patch logits (N,1,H/2,W/2)."""

    def __init__(self, gen):
        super().__init__()
        self.c0 = nn.Conv2d(3, 4, 4, 2, 1)
        self.c1 = nn.Conv2d(4, 1, 3, 1, 1)
        with torch.no_grad():
            for c in (self.c0, self.c1):
                c.weight.copy_(torch.randn(c.weight.shape, generator=gen) / math.sqrt(c.weight[0].numel()))
                c.bias.copy_(0.1 * torch.randn(c.bias.shape, generator=gen))

    def forward(self, x):
        return self.c1(F.leaky_relu(self.c0(x), 0.2))


LDM_CASES = {
    # name: (recipe, cfg, step)
    "ldm_hinge": ("ldm", dict(logvar_init=0.0, kl_weight=1e-6, disc_weight=0.5, perceptual_weight=1.0,
                              disc_factor=1.0, disc_start=5, disc_loss="hinge"), 7),
    "ldm_before_start": ("ldm", dict(logvar_init=0.0, kl_weight=1e-6, disc_weight=0.5, perceptual_weight=1.0,
                                     disc_factor=1.0, disc_start=5, disc_loss="hinge"), 4),
    "ldm_vanilla_logvar": ("ldm", dict(logvar_init=0.3, kl_weight=1e-2, disc_weight=0.8, perceptual_weight=0.7,
                                       disc_factor=0.5, disc_start=0, disc_loss="vanilla"), 0),
    "diffusers_script": ("diffusers_script", dict(kl_weight=1e-6, disc_weight=1.0, perceptual_weight=0.5, disc_factor=1.0,
                                disc_start=3, disc_loss="hinge"), 3),
}


def ldm_fixture(lp, gen):
    io = {}
    x = torch.rand(2, 3, 32, 32, generator=gen) * 2 - 1
    h = torch.randn(2, 4, 32, 32, generator=gen)
    w = torch.randn(3, 4, 3, 3, generator=gen) * 0.2
    b = 0.05 * torch.randn(3, generator=gen)
    mean = torch.randn(2, 4, 8, 8, generator=gen)
    logvar = 0.5 * torch.randn(2, 4, 8, 8, generator=gen)
    disc = TinyDisc(gen)
    io.update(x=x, h=h, last_w=w, last_b=b, post_mean=mean, post_logvar=logvar)
    io.update({"disc.c0.weight": disc.c0.weight.detach().clone(), "disc.c0.bias": disc.c0.bias.detach().clone(),
               "disc.c1.weight": disc.c1.weight.detach().clone(), "disc.c1.bias": disc.c1.bias.detach().clone()})
    for p in disc.parameters():
        p.requires_grad_(False)
    for name, (recipe, cfg, step) in LDM_CASES.items():
        last = w.clone().requires_grad_(True)
        recon = F.conv2d(h, last, b, padding=1)
        fn = ldm_generator if recipe == "ldm" else diffusers_script_generator
        loss, terms = fn(x, recon, mean, logvar, disc, lp, last, step, cfg)
        loss.backward()
        for k, v in terms.items():
            io[f"{name}.{k}"] = v.detach().reshape(()).clone()
        io[f"{name}.grad_last"] = last.grad.detach().clone()
        # discriminator step (optimizer_idx=1): two separate forward calls on detached images
        logits_real = disc(x.contiguous().detach())
        logits_fake = disc(recon.contiguous().detach())
        disc_factor = adopt_weight(cfg["disc_factor"], step, threshold=cfg["disc_start"])
        d = hinge_d_loss if cfg["disc_loss"] == "hinge" else vanilla_d_loss
        io[f"{name}.disc"] = (disc_factor * d(logits_real, logits_fake)).detach().reshape(())
        io[f"{name}.logits_real"] = logits_real.detach().mean().reshape(())
        io[f"{name}.logits_fake"] = logits_fake.detach().mean().reshape(())
    return io


# --------------------------------------------------------------- small losses

class GradNormFunction(torch.autograd.Function):
    """cloneofsimo/vqgan-training v0.2 (dim=0) and HEAD (whole tensor) gradient normalisation."""

    @staticmethod
    def forward(ctx, x, mode):
        ctx.mode = mode
        return x.clone()

    @staticmethod
    def backward(ctx, g):
        n = torch.linalg.norm(g, dim=0, keepdim=True) if ctx.mode == "batch" else torch.norm(g)
        return g / (n + 1e-8), None


def small_fixture(gen):
    io = {}
    m1, lv1 = torch.randn(2, 4, 6, 5, generator=gen), torch.randn(2, 4, 6, 5, generator=gen)
    m2, lv2 = torch.randn(2, 4, 6, 5, generator=gen), torch.randn(2, 4, 6, 5, generator=gen)
    io.update(m1=m1, lv1=lv1, m2=m2, lv2=lv2)
    io["kl_std"] = kl_of(m1, lv1)  # per sample, (N)
    io["kl_between"] = 0.5 * torch.sum(torch.pow(m1 - m2, 2) / torch.exp(lv2) + torch.exp(lv1) / torch.exp(lv2)
                                       - 1.0 - lv1 + lv2, dim=[1, 2, 3])
    a = torch.rand(2, 3, 16, 16, generator=gen) * 2 - 1
    b = torch.rand(2, 3, 16, 16, generator=gen) * 2 - 1
    io.update(a=a, b=b)
    io["l1"] = F.l1_loss(a, b)
    io["mse"] = F.mse_loss(a, b)
    io["pooled_mse_4"] = F.mse_loss(F.avg_pool2d(a, 4), F.avg_pool2d(b, 4))
    io["pooled_mse_area_4"] = F.mse_loss(F.interpolate(a, scale_factor=1 / 4, mode="area"),
                                         F.interpolate(b, scale_factor=1 / 4, mode="area"))
    r = torch.randn(2, 1, 5, 5, generator=gen)
    f = torch.randn(2, 1, 5, 5, generator=gen)
    io.update(logits_real=r, logits_fake=f)
    io["hinge_d"] = hinge_d_loss(r, f)
    io["vanilla_d"] = vanilla_d_loss(r, f)
    io["g_loss"] = -torch.mean(f)
    io["thresholded_hinge"] = F.relu(r.detach() - f - 0.1).mean()
    # gradnorm: loss = sum(c * x^2) through gradnorm; gradient reaching x
    x = torch.randn(3, 2, 4, 4, generator=gen)
    c = torch.randn(3, 2, 4, 4, generator=gen)
    io.update(gn_x=x, gn_c=c)
    for mode in ("whole", "batch"):
        xg = x.clone().requires_grad_(True)
        (c * GradNormFunction.apply(xg, mode) ** 2).sum().backward()
        io[f"gn_grad_{mode}"] = xg.grad
    # R1 (StyleGAN2-ADA form) on the tiny discriminator
    disc = TinyDisc(gen)
    io.update({"r1disc.c0.weight": disc.c0.weight.detach().clone(), "r1disc.c0.bias": disc.c0.bias.detach().clone(),
               "r1disc.c1.weight": disc.c1.weight.detach().clone(), "r1disc.c1.bias": disc.c1.bias.detach().clone()})
    real = torch.rand(2, 3, 8, 8, generator=gen) * 2 - 1
    io["r1_real"] = real
    rt = real.detach().requires_grad_(True)
    logits = disc(rt)
    grads, = torch.autograd.grad(logits.sum(), rt, create_graph=True)
    r1 = grads.square().sum([1, 2, 3]).mean() * (10.0 / 2)
    io["r1_gamma10"] = r1.detach()
    r1.backward()
    io["r1_grad_c1_weight"] = disc.c1.weight.grad.detach().clone()
    # LeCam (TiTok form) over three D steps, EMA decay 0.9, starting at 0
    ema_r, ema_f = 0.0, 0.0
    for t in range(3):
        lr_ = torch.randn(2, 1, 3, 3, generator=gen)
        lf_ = torch.randn(2, 1, 3, 3, generator=gen)
        io[f"lecam_real_{t}"], io[f"lecam_fake_{t}"] = lr_, lf_
        reg = torch.mean(F.relu(lr_ - ema_f).pow(2)) + torch.mean(F.relu(ema_r - lf_).pow(2))
        io[f"lecam_{t}"] = reg
        ema_r = ema_r * 0.9 + lr_.mean().item() * (1 - 0.9)
        ema_f = ema_f * 0.9 + lf_.mean().item() * (1 - 0.9)
    return io


def save(tensors, name, what):
    tensors = {k: v.detach().contiguous().to(torch.float32).clone() for k, v in tensors.items()}
    save_file(tensors, OUT / name, metadata={"source": f"tools/reference/gen_losses.py {what}"})
    return (OUT / name).stat().st_size


def main():
    setup()
    OUT.mkdir(parents=True, exist_ok=True)
    gen = torch.Generator().manual_seed(SEED)
    model, weights = build_lpips(gen)
    sizes = {}
    sizes["lpips_weights.safetensors"] = save(weights, "lpips_weights.safetensors", "narrow VGG16 + LPIPS heads")
    sizes["lpips_io.safetensors"] = save(lpips_fixture(model, gen), "lpips_io.safetensors", "pip lpips 0.1.4 outputs")
    sizes["ldm_io.safetensors"] = save(ldm_fixture(model, gen), "ldm_io.safetensors", "LDM LPIPSWithDiscriminator math")
    sizes["small_io.safetensors"] = save(small_fixture(gen), "small_io.safetensors", "KL, pixel, GAN, gradnorm, R1, LeCam")
    lines = ["# Loss parity fixtures (generated by tools/reference/gen_losses.py; do not edit)", ""]
    lines += [f"- `{k}`: {v:,} bytes" for k, v in sizes.items()]
    lines += ["", "LPIPS: pip lpips 0.1.4, net='vgg', version 0.1, eval mode, narrow trunk widths "
              f"{WIDTHS} (VGG16 / 16), seeded random heads. LDM cases: " + ", ".join(LDM_CASES) + "."]
    (OUT / "README.md").write_text("\n".join(lines) + "\n")
    total = sum(sizes.values())
    assert total < 1_000_000, total
    print(f"wrote {len(sizes)} files, {total:,} bytes, to {OUT}")


if __name__ == "__main__":
    main()
