"""Small image files in awkward colour layouts, with the RGB and L values PIL decodes from them.

diffusers reads training and input images with PIL (``Image.open(f).convert("RGB")``); vae4j must decode the
same 8-bit values. This writes, into vae-core/src/test/resources/fixtures/image_decoding/:

- cmyk.jpg         Adobe CMYK JPEG (what Photoshop writes for print)
- cmyk_icc.jpg     the same with an embedded (sRGB) ICC profile, which PIL's convert ignores
- rgb_icc.png      8-bit RGB PNG with an embedded ICC profile (iCCP)
- rgb_icc.jpg      YCbCr JPEG with an embedded ICC profile
- rgb16.png        16-bit RGB PNG (written by hand: PIL cannot write it)
- gray16.png       16-bit grayscale PNG
- palette.png      palette PNG with a transparent entry (tRNS)
- palette.gif      palette GIF
- gray_alpha.png   grayscale + alpha PNG
- expected.safetensors  uint8 tensors "<file>/rgb" (H, W, 3) and "<file>/l" (H, W): PIL's convert("RGB") and
                         convert("L") of each file, read back with Image.open

Deterministic: fixed seed, no timestamps in the files.
"""
import io
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms
from safetensors.numpy import save_file

OUT = Path(__file__).resolve().parents[2] / "vae-core/src/test/resources/fixtures/image_decoding"
W, H = 24, 16


def smooth_rgb(rng):
    """A smooth colourful image (JPEG-friendly) plus noise."""
    y, x = np.mgrid[0:H, 0:W]
    r = 127 + 120 * np.sin(x / 4.0)
    g = 127 + 120 * np.cos(y / 3.0)
    b = 127 + 120 * np.sin((x + y) / 5.0)
    img = np.stack([r, g, b], axis=-1) + rng.normal(0, 4, (H, W, 3))
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def write_png16(path, samples, colour_type):
    """A 16-bit PNG (colour type 0 gray or 2 RGB) from uint16 samples (H, W[, 3])."""
    h, w = samples.shape[:2]
    raw = b"".join(b"\x00" + samples[row].astype(">u2").tobytes() for row in range(h))
    data = b"\x89PNG\r\n\x1a\n"
    data += png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, colour_type, 0, 0, 0))
    data += png_chunk(b"IDAT", zlib.compress(raw, 9))
    data += png_chunk(b"IEND", b"")
    path.write_bytes(data)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261202)
    rgb = smooth_rgb(rng)
    srgb_icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()

    cmyk = Image.fromarray(rgb, "RGB").convert("CMYK")
    # Give the black channel content too: PIL's RGB->CMYK conversion leaves K at 0.
    c = np.asarray(cmyk).copy()
    c[..., 3] = np.clip(np.rint(40 + 30 * np.sin(np.arange(W) / 3.0))[None, :].repeat(H, 0), 0, 255)
    cmyk = Image.fromarray(c, "CMYK")
    cmyk.save(OUT / "cmyk.jpg", quality=95)
    cmyk.save(OUT / "cmyk_icc.jpg", quality=95, icc_profile=srgb_icc)

    Image.fromarray(rgb, "RGB").save(OUT / "rgb_icc.png", icc_profile=srgb_icc)
    Image.fromarray(rgb, "RGB").save(OUT / "rgb_icc.jpg", quality=95, icc_profile=srgb_icc)

    rgb16 = (rgb.astype(np.uint16) * 257 + rng.integers(0, 257, rgb.shape, dtype=np.uint16)).astype(np.uint16)
    write_png16(OUT / "rgb16.png", rgb16, 2)
    gray16 = (rgb[..., 1].astype(np.uint16) * 257 + rng.integers(0, 257, (H, W), dtype=np.uint16))
    write_png16(OUT / "gray16.png", gray16.astype(np.uint16), 0)

    pal = Image.fromarray(rgb, "RGB").quantize(colors=16, method=Image.Quantize.MEDIANCUT)
    pal.info["transparency"] = 3
    pal.save(OUT / "palette.png", transparency=3)
    pal.save(OUT / "palette.gif")

    la = np.stack([rgb[..., 0], rng.integers(0, 256, (H, W), dtype=np.uint8)], axis=-1)
    Image.fromarray(la, "LA").save(OUT / "gray_alpha.png")

    expected = {}
    names = ["cmyk.jpg", "cmyk_icc.jpg", "rgb_icc.png", "rgb_icc.jpg", "rgb16.png", "gray16.png", "palette.png",
             "palette.gif", "gray_alpha.png"]
    for name in names:
        with Image.open(OUT / name) as im:
            expected[name + "/rgb"] = np.ascontiguousarray(np.asarray(im.convert("RGB"), dtype=np.uint8))
        with Image.open(OUT / name) as im:
            expected[name + "/l"] = np.ascontiguousarray(np.asarray(im.convert("L"), dtype=np.uint8))
    save_file(expected, str(OUT / "expected.safetensors"))
    for name in names:
        assert expected[name + "/rgb"].shape == (H, W, 3), name
    print(f"wrote {len(names)} images and expected.safetensors to {OUT}")


if __name__ == "__main__":
    main()
