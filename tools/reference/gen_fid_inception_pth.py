"""pytorch-fid's Inception weights as users have them: a torch.save'd state dict with the key names, shapes and
dtypes of pytorch-fid 0.3.0's FID Inception (`fid_inception_v3()`: torchvision Inception3 with 1008 classes,
FIDInceptionA/C/E_1/E_2 blocks; float32 parameters and BatchNorm statistics, int64 `num_batches_tracked`, the
`fc.*` classifier), in torch's legacy (pre-1.6) format like pt_inception-2015-12-05-6726825d.pth. The key set is
checked by loading it strictly into `fid_inception_v3()` itself.

The values are seeded random. To keep the file small (the real one is 91 MB) every tensor with more than 4096
elements is a view of one random value per output channel (strides (1, 0, ...)); torch.save stores only that
storage, and the Java test checks that the converter expands such views.
Writes vae-cli/src/test/resources/fixtures/fid_pth/{pt_inception_tiny_storage.pth, expected_sums.safetensors}:
the second holds each key's sum (float64) for the value check.
"""
import os
from collections import OrderedDict
from pathlib import Path

import torch
from safetensors.torch import save_file

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "vae-cli/src/test/resources/fixtures/fid_pth"
FULL_LIMIT = 4096


def fid_state_dict_layout():
    """Names, shapes and dtypes of pytorch-fid's FID Inception, via its own builder with the download replaced."""
    import pytorch_fid.inception as fid
    from torchvision.models.inception import Inception3

    skeleton = Inception3(num_classes=1008, aux_logits=False, init_weights=False).state_dict()
    fid.load_state_dict_from_url = lambda *args, **kwargs: skeleton
    return fid.fid_inception_v3().state_dict()  # fid_inception_v3 loads strictly


def random_value(name, t, gen):
    if t.dtype == torch.long:
        return torch.randint(0, 1000, t.shape, generator=gen, dtype=torch.long)
    shape = tuple(t.shape)
    full = t.numel() <= FULL_LIMIT or len(shape) < 2
    count = t.numel() if full else shape[0]
    if name.endswith("running_var"):
        base = 0.5 + torch.rand(count, generator=gen)
    else:
        base = 0.1 * torch.randn(count, generator=gen)
    if full:
        return base.reshape(shape)
    return base.as_strided(shape, (1,) + (0,) * (len(shape) - 1))


def main() -> None:
    gen = torch.Generator().manual_seed(0)
    layout = fid_state_dict_layout()
    state = OrderedDict((name, random_value(name, t, gen)) for name, t in layout.items())
    sums = {name: t.double().sum().reshape(()) if t.is_floating_point() else t.sum().reshape(())
            for name, t in state.items()}
    OUT.mkdir(parents=True, exist_ok=True)
    pth = OUT / "pt_inception_tiny_storage.pth"
    torch.save(state, pth, _use_new_zipfile_serialization=False)
    save_file(sums, str(OUT / "expected_sums.safetensors"))
    for name in (pth.name, "expected_sums.safetensors"):
        os.chmod(OUT / name, 0o644)
    views = sum(1 for t in state.values() if not t.is_contiguous())
    print(f"fid_pth: {len(state)} tensors ({views} per-channel views), {pth.stat().st_size} bytes -> "
          f"{OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
