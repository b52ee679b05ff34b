#!/usr/bin/env python3
"""Parity fixtures for vae4j's image metrics (vae-core ``dev.vae4j.train.metrics``).

Writes ``vae-core/src/test/resources/fixtures/metrics/metrics_io.safetensors``:

  a, b                  (4, 3, 32, 40) float32 images in [-1, 1] (b = a + seeded noise, clamped; image 3 of b
                        is a blurred copy of a so SSIM covers structure changes too)
  psnr_skimage          (4) float64, skimage ``peak_signal_noise_ratio(a01, b01, data_range=1)`` per image, where
                        a01 = (a + 1) / 2 (computed on float64 copies, as skimage does)
  ssim_msssim           (4) float64, pytorch-msssim ``ssim(a01, b01, data_range=1, size_average=False)``
                        (Gaussian window 11, sigma 1.5, K = (0.01, 0.03), valid convolution), run in float64
  ssim_skimage          (4) float64, skimage ``structural_similarity(..., gaussian_weights=True, sigma=1.5,
                        use_sample_covariance=False, data_range=1, channel_axis=0)`` per image (cross-check)
  ssim_tm_padded        (4) float64, torchmetrics >= 1.5 padded variant, transcribed: reflect-pad by 5,
                        valid Gaussian conv, SSIM map of the padded size averaged over everything
  gray_a, gray_b        (2, 1, 16, 16) single-channel pair; psnr_gray / ssim_gray the same references

Writes ``frechet_io.safetensors`` (pytorch-fid 0.3.0 ``calculate_frechet_distance``, scipy ``sqrtm``):

  feat1, feat2          (96, 24) / (120, 24) float64 features of different mean and covariance
  mu1, sigma1, ...      their statistics as fid_score computes them (np.mean axis 0, np.cov rowvar=False)
  fd                    () the Frechet distance between them; fd_same () distance of feat1's statistics to themselves
  low1, low2, fd_low    (12, 24) / (16, 24) features (rank-deficient covariances) and their distance

Writes ``fid_inception_io.safetensors``: pytorch-fid 0.3.0 ``InceptionV3([3])`` (the real FID network, full
width) run on (2, 3, 48, 64) images in [0, 1] -> ``features`` (2, 2048). Its weights are not stored: every tensor
is a deterministic formula of its torchvision name (SplitMix64 of crc32(name), see ``formula_value``) that the
Java test recomputes; ``load_state_dict_from_url`` is replaced so nothing is downloaded.

Runs on the CPU, float64 for the metric references, fixed seed; never touches the network.
"""

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from pytorch_msssim import ssim as ms_ssim_ssim
from safetensors.torch import save_file
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT = REPO_ROOT / "vae-core/src/test/resources/fixtures/metrics"
SEED = 20240701


def gaussian_window(size=11, sigma=1.5):
    coords = torch.arange(size, dtype=torch.float64) - size // 2
    g = torch.exp(-(coords ** 2) / (2 * sigma ** 2))
    return g / g.sum()


def ssim_torchmetrics_padded(x, y):
    """torchmetrics structural_similarity_index_measure (>= 1.5, gaussian, sigma 1.5, data_range 1) transcribed."""
    c = x.shape[1]
    pad = 5
    g = gaussian_window()
    kernel = torch.outer(g, g).expand(c, 1, 11, 11)
    x = F.pad(x, (pad, pad, pad, pad), mode="reflect")
    y = F.pad(y, (pad, pad, pad, pad), mode="reflect")
    inp = torch.cat((x, y, x * x, y * y, x * y))
    out = F.conv2d(inp, kernel, groups=c)
    n = x.shape[0]
    mu_x, mu_y, xx, yy, xy = (out[i * n:(i + 1) * n] for i in range(5))
    mu_x2, mu_y2, mu_xy = mu_x * mu_x, mu_y * mu_y, mu_x * mu_y
    sx = torch.clamp(xx - mu_x2, min=0.0)
    sy = torch.clamp(yy - mu_y2, min=0.0)
    sxy = xy - mu_xy
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    upper = 2 * sxy + c2
    lower = sx + sy + c2
    ssim_map = ((2 * mu_xy + c1) * upper) / ((mu_x2 + mu_y2 + c1) * lower)
    return ssim_map.reshape(n, -1).mean(-1)


def references(a, b):
    a01 = ((a.double() + 1) / 2)
    b01 = ((b.double() + 1) / 2)
    psnr = [peak_signal_noise_ratio(a01[i].numpy(), b01[i].numpy(), data_range=1.0) for i in range(a.shape[0])]
    ssim_ms = ms_ssim_ssim(a01, b01, data_range=1.0, size_average=False)
    ssim_sk = [structural_similarity(a01[i].numpy(), b01[i].numpy(), gaussian_weights=True, sigma=1.5,
                                     use_sample_covariance=False, data_range=1.0, channel_axis=0)
               for i in range(a.shape[0])]
    ssim_tm = ssim_torchmetrics_padded(a01, b01)
    return (torch.tensor(psnr, dtype=torch.float64), ssim_ms.double(),
            torch.tensor(ssim_sk, dtype=torch.float64), ssim_tm.double())


def frechet_fixture(gen):
    from pytorch_fid.fid_score import calculate_frechet_distance

    d = 24
    mix = torch.randn((d, d), generator=gen, dtype=torch.float64) / d ** 0.5
    f1 = torch.randn((96, d), generator=gen, dtype=torch.float64) @ mix
    f2 = torch.randn((120, d), generator=gen, dtype=torch.float64) @ (mix + 0.3 * torch.eye(d, dtype=torch.float64)) + 0.2
    low1 = torch.randn((12, d), generator=gen, dtype=torch.float64)
    low2 = torch.randn((16, d), generator=gen, dtype=torch.float64) + 0.1

    def stats(f):
        a = f.numpy()
        return np.mean(a, axis=0), np.cov(a, rowvar=False)

    mu1, s1 = stats(f1)
    mu2, s2 = stats(f2)
    fd = calculate_frechet_distance(mu1, s1, mu2, s2)
    fd_same = calculate_frechet_distance(mu1, s1, mu1, s1)
    lm1, ls1 = stats(low1)
    lm2, ls2 = stats(low2)
    fd_low = calculate_frechet_distance(lm1, ls1, lm2, ls2)
    t = lambda x: torch.from_numpy(np.ascontiguousarray(x)).double()
    out = {"feat1": f1, "feat2": f2, "mu1": t(mu1), "sigma1": t(s1), "mu2": t(mu2), "sigma2": t(s2),
           "fd": torch.tensor(float(fd), dtype=torch.float64), "fd_same": torch.tensor(float(fd_same), dtype=torch.float64),
           "low1": low1, "low2": low2, "fd_low": torch.tensor(float(fd_low), dtype=torch.float64)}
    save_file({k: v.contiguous() for k, v in out.items()}, str(OUT / "frechet_io.safetensors"))
    print("fd", float(fd), "fd_same", float(fd_same), "fd_low", float(fd_low))


MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def splitmix_uniform(name, count):
    """u[i] in [0, 1): SplitMix64 of (crc32(name) << 32) + i, top 53 bits. Java: FidInceptionWeights."""
    import zlib
    with np.errstate(over="ignore"):
        z = (np.uint64(zlib.crc32(name.encode("utf-8"))) << np.uint64(32)) + np.arange(count, dtype=np.uint64)
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * (2.0 ** -53)


def formula_value(name, shape):
    """The deterministic 'random' weights of the FID fixture (same formula in FidInceptionWeights.java)."""
    n = int(np.prod(shape)) if len(shape) else 1
    u = splitmix_uniform(name, n)
    if name.endswith("conv.weight") or name.endswith("fc.weight"):
        fan_in = n // shape[0]
        v = (2 * u - 1) * np.sqrt(6.0 / fan_in)
    elif name.endswith("bn.weight") or name.endswith("running_var"):
        v = 0.5 + u
    elif name.endswith("bn.bias") or name.endswith("fc.bias"):
        v = 0.2 * (2 * u - 1)
    elif name.endswith("running_mean"):
        v = 0.1 * (2 * u - 1)
    else:
        raise ValueError("no formula for " + name)
    return torch.from_numpy(v.astype(np.float32).reshape(shape))


def fid_fixture(gen):
    """pytorch-fid 0.3.0 InceptionV3([3]) (fid_inception_v3: FIDInceptionA/C/E_1/E_2, resize to 299, [0,1]->[-1,1])
    with formula weights in place of the downloaded ones: its own code path, strict state-dict loading."""
    import pytorch_fid.inception as fid
    from torchvision.models.inception import Inception3

    skeleton = Inception3(num_classes=1008, aux_logits=False, init_weights=False)
    filled = {}
    for name, t in skeleton.state_dict().items():
        if name.endswith("num_batches_tracked"):
            filled[name] = torch.zeros((), dtype=torch.long)
        else:
            filled[name] = formula_value(name, tuple(t.shape))
    fid.load_state_dict_from_url = lambda *args, **kwargs: filled
    model = fid.InceptionV3([3], resize_input=True, normalize_input=True, use_fid_inception=True).eval()
    images = torch.rand((2, 3, 48, 64), generator=gen)
    with torch.no_grad():
        features = model(images)[0].squeeze(-1).squeeze(-1)
    first = {k: v for k, v in filled.items() if k in ("Conv2d_1a_3x3.conv.weight", "Mixed_7c.branch_pool.bn.running_var")}
    save_file({"images": images.contiguous(), "features": features.contiguous(),
               "conv1a_weight": first["Conv2d_1a_3x3.conv.weight"].contiguous(),
               "mixed7c_pool_var": first["Mixed_7c.branch_pool.bn.running_var"].contiguous()},
              str(OUT / "fid_inception_io.safetensors"))
    print("fid features", tuple(features.shape), float(features.abs().mean()), float(features.abs().max()))


def main():
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(SEED)
    a = torch.rand((4, 3, 32, 40), generator=gen) * 2 - 1
    noise = torch.randn(a.shape, generator=gen) * torch.tensor([0.02, 0.1, 0.3, 0.0]).view(4, 1, 1, 1)
    b = (a + noise).clamp(-1, 1)
    b[3] = F.avg_pool2d(a[3:4], 3, 1, 1, count_include_pad=False)[0]
    psnr, ssim_ms, ssim_sk, ssim_tm = references(a, b)
    assert torch.allclose(ssim_ms, ssim_sk, atol=1e-9), (ssim_ms, ssim_sk)

    ga = torch.rand((2, 1, 16, 16), generator=gen) * 2 - 1
    gb = (ga + 0.05 * torch.randn(ga.shape, generator=gen)).clamp(-1, 1)
    gpsnr, gssim, _, _ = references(ga, gb)

    tensors = {
        "a": a.contiguous(), "b": b.contiguous(),
        "psnr_skimage": psnr, "ssim_msssim": ssim_ms.contiguous(), "ssim_skimage": ssim_sk,
        "ssim_tm_padded": ssim_tm.contiguous(),
        "gray_a": ga.contiguous(), "gray_b": gb.contiguous(), "psnr_gray": gpsnr, "ssim_gray": gssim.contiguous(),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(OUT / "metrics_io.safetensors"))
    for name in ("psnr_skimage", "ssim_msssim", "ssim_tm_padded", "psnr_gray", "ssim_gray"):
        print(name, tensors[name].tolist())
    assert all(np.isfinite(tensors["psnr_skimage"].numpy()))
    frechet_fixture(gen)
    fid_fixture(gen)


if __name__ == "__main__":
    main()
