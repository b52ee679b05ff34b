#!/usr/bin/env python3
"""Parity fixtures for vae4j's AutoencoderTiny (TAESD), from madebyollin/taesd's own ``taesd.py``.

``taesd.py`` is vendored unmodified under ``vendor/taesd/`` (commit in ``vendor/taesd/SOURCE.md``). Its weights
are 64 channels wide whatever the variant (1.2 M parameters per half), too big to commit for four variants, so
the random weights are not stored: each half's parameters are filled, in sorted key order, from
``torch.randn(shape, generator=torch.Generator().manual_seed(seed))`` times a per-tensor scale (1/sqrt(fan-in) for
conv weights, 0.1 for 1-D tensors). libtorch's CPU generator draws the same numbers in Java, so the Java test
rebuilds the identical weights; the per-half sum of |w| is stored to prove it.

Writes ``vae-core/src/test/resources/fixtures/autoencoder_tiny/<variant>.safetensors`` for the variants of
``taesd.py``: ``taesd`` (Encoder/Decoder, 4 latent channels), ``taesd3`` (16), ``taef2`` (32, FLUX.2's mid-block
GroupNorm pooling) and ``taesana`` (F32Encoder/F32Decoder, 32 channels, f32). Tensors (taesd.py's conventions,
images in [0, 1]): ``image`` (1, 3, H, W), ``encoded`` = encoder(image), ``latents`` (random), ``decoded`` =
decoder(latents), and the check values ``encoder_seed``, ``decoder_seed``, ``encoder_abs_sum``, ``decoder_abs_sum``,
``encoder_params``, ``decoder_params``. For taesd and taesd3 the script also checks that diffusers' ``AutoencoderTiny`` with the
renamed weights (encoder index i -> ``encoder.layers.i``, decoder index i -> ``decoder.layers.(i-1)``) gives the
same numbers, which proves the key mapping vae4j uses.

With ``--weights DIR`` holding taesd's ``taef2_encoder.pth`` and ``taef2_decoder.pth`` it also writes
``taef2_photo.png`` (a 128 px crop of scikit-image's ``astronaut``) and ``taef2_photo.safetensors``:
``encoded`` = encoder(photo), ``decoded`` = decoder(encoded) (unclamped) with the real weights, ``psnr_clamped``
(the clamped reconstruction's PSNR), and prints the
round-trip PSNR of the clamped reconstruction at 128 and 256 px; with ``taesana_encoder.pth`` there too, also
``taesana_photo.safetensors``: the real f32 encoder's latents of the same crop. Seeded, CPU, float32, one thread.
"""

import argparse
import math
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from safetensors.torch import save_file

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "vendor" / "taesd"))
import taesd  # noqa: E402  (vendored, unmodified)

REPO_ROOT = HERE.parents[1]
OUT = REPO_ROOT / "vae-core/src/test/resources/fixtures/autoencoder_tiny"

# variant -> (encoder factory, decoder factory, latent channels, image height, width)
VARIANTS = {
    "taesd": (lambda: taesd.Encoder(4), lambda: taesd.Decoder(4), 4, 32, 48),
    "taesd3": (lambda: taesd.Encoder(16), lambda: taesd.Decoder(16), 16, 32, 48),
    "taef2": (lambda: taesd.Encoder(32, use_midblock_gn=True), lambda: taesd.Decoder(32, use_midblock_gn=True),
              32, 32, 48),
    "taesana": (lambda: taesd.F32Encoder(32), lambda: taesd.F32Decoder(32), 32, 64, 96),
}
ENCODER_SEED, DECODER_SEED, IMAGE_SEED, LATENT_SEED = 101, 102, 103, 104


def fill(module, seed):
    """Seeded weights in sorted key order; returns sum |w| (float64) for the Java side to check."""
    g = torch.Generator().manual_seed(seed)
    total = 0.0
    with torch.no_grad():
        for name in sorted(module.state_dict().keys()):
            t = module.state_dict()[name]
            scale = 1.0 / math.sqrt(t[0].numel()) if t.dim() == 4 else 0.1
            t.copy_(torch.randn(tuple(t.shape), generator=g) * scale)
            total += t.double().abs().sum().item()
    return total


def diffusers_check(name, encoder, decoder, latent_channels, image, latents, encoded, decoded):
    from diffusers import AutoencoderTiny
    model = AutoencoderTiny(latent_channels=latent_channels).eval()
    state = {f"encoder.layers.{k}": v for k, v in encoder.state_dict().items()}
    for k, v in decoder.state_dict().items():
        index, rest = k.split(".", 1)
        state[f"decoder.layers.{int(index) - 1}.{rest}"] = v
    model.load_state_dict(state, strict=True)
    with torch.no_grad():
        enc = model.encode(image * 2 - 1).latents
        dec = model.decode(latents).sample
    e1 = (enc - encoded).abs().max().item()
    e2 = ((dec + 1) / 2 - decoded).abs().max().item()
    assert e1 < 1e-5 and e2 < 1e-5, (name, e1, e2)
    print(f"  diffusers AutoencoderTiny == taesd.py: max |diff| encode {e1:.2e}, decode {e2:.2e}")


def random_variants():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (make_encoder, make_decoder, channels, h, w) in VARIANTS.items():
        encoder, decoder = make_encoder().eval(), make_decoder().eval()
        enc_sum, dec_sum = fill(encoder, ENCODER_SEED), fill(decoder, DECODER_SEED)
        image = torch.rand(1, 3, h, w, generator=torch.Generator().manual_seed(IMAGE_SEED))
        factor = 32 if name == "taesana" else 8
        latents = torch.randn(1, channels, h // factor, w // factor,
                              generator=torch.Generator().manual_seed(LATENT_SEED)) * 2
        with torch.no_grad():
            encoded = encoder(image)
            decoded = decoder(latents)
        if name in ("taesd", "taesd3"):
            diffusers_check(name, encoder, decoder, channels, image, latents, encoded, decoded)
        # check values as 1-element tensors, not metadata: safetensors writes metadata in hash order, tensors sorted
        enc_params, dec_params = (sum(p.numel() for p in m.parameters()) for m in (encoder, decoder))
        tensors = {"image": image, "encoded": encoded, "latents": latents, "decoded": decoded,
                   "encoder_seed": torch.tensor([ENCODER_SEED]), "decoder_seed": torch.tensor([DECODER_SEED]),
                   "encoder_abs_sum": torch.tensor([enc_sum], dtype=torch.float64),
                   "decoder_abs_sum": torch.tensor([dec_sum], dtype=torch.float64),
                   "encoder_params": torch.tensor([enc_params]), "decoder_params": torch.tensor([dec_params])}
        save_file({k: v.contiguous() for k, v in tensors.items()}, OUT / f"{name}.safetensors")
        print(f"{name}: encoder {enc_params} / decoder {dec_params} parameters, "
              f"encoded {tuple(encoded.shape)} std {encoded.std():.3f}, decoded {tuple(decoded.shape)} "
              f"std {decoded.std():.3f}")


def psnr(a, b):
    mse = ((a - b) ** 2).mean().item()
    return 10 * math.log10(1.0 / mse)


def real_weights(weights):
    from skimage import data
    model = taesd.TAESD(weights / "taef2_encoder.pth", weights / "taef2_decoder.pth").eval()
    astronaut = data.astronaut()  # 512 x 512 x 3 uint8
    for size, top, left in ((128, 40, 180), (256, 0, 128)):
        crop = astronaut[top:top + size, left:left + size]
        x = torch.from_numpy(np.ascontiguousarray(crop)).permute(2, 0, 1).float().div(255).unsqueeze(0)
        with torch.no_grad():
            encoded = model.encoder(x)
            decoded = model.decoder(encoded)
        clamped = decoded.clamp(0, 1)
        quantised = clamped.mul(255).round().div(255)
        print(f"taef2 real weights, astronaut crop {size} px: encoded std {encoded.std():.3f}, round-trip PSNR "
              f"{psnr(clamped, x):.2f} dB (8-bit output {psnr(quantised, x):.2f} dB)")
        if size == 128 and (weights / "taesana_encoder.pth").is_file():
            # the f32 encoder of Sana's DC-AE (its decoder is not in the repository snapshot): encoder-only check
            sana = taesd.TAESD(weights / "taesana_encoder.pth", None).eval()
            with torch.no_grad():
                sana_encoded = sana.encoder(x)
            save_file({"encoded": sana_encoded.contiguous()}, OUT / "taesana_photo.safetensors")
            print(f"taesana real encoder, astronaut crop 128 px: encoded {tuple(sana_encoded.shape)} "
                  f"std {sana_encoded.std():.3f}")
        if size == 128:
            Image.fromarray(crop).save(OUT / "taef2_photo.png")
            save_file({"encoded": encoded.contiguous(), "decoded": decoded.contiguous(),
                       "psnr_clamped": torch.tensor([psnr(clamped, x)], dtype=torch.float64)},
                      OUT / "taef2_photo.safetensors")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, help="folder with taef2_encoder.pth and taef2_decoder.pth")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    random_variants()
    if args.weights is not None:
        real_weights(args.weights)


if __name__ == "__main__":
    main()
