"""PyTorch checkpoint fixtures (torch.save, zip and legacy formats) and hostile pickles.

Writes vae-core/src/test/resources/fixtures/torch_checkpoints/:

  plain_zip.pt, plain_legacy.pt, plain_zip_p4.pt
      the same OrderedDict state dict: float32/float16/bfloat16/float64/int64/int32/int16/int8/uint8/bool tensors,
      two views sharing one storage at different offsets, a transposed (non-contiguous) view, a 0-d tensor,
      an empty tensor and an nn.Parameter; the zip file with pickle protocol 2 (torch's default), the legacy
      stream (_use_new_zipfile_serialization=False) and a zip file with pickle_protocol=4 (FRAME, MEMOIZE,
      SHORT_BINUNICODE, STACK_GLOBAL).
  plain_expected.safetensors
      every tensor of the plain state dict as a contiguous copy under the same name; __metadata__ holds
      "stride.NAME" and "offset.NAME" (JSON) of the original tensors.
  lightning_zip.ckpt
      a Lightning-1.x-like checkpoint {"epoch", "global_step", "pytorch-lightning_version", "state_dict",
      "optimizer_states", "lr_schedulers", "callbacks", "hyper_parameters"} whose state_dict is
      fixtures/autoencoder_kl/kl4_quant_attn/ldm.safetensors (first_stage_model.-prefixed VAE keys plus
      loss.logvar / model_ema.*). "callbacks" is keyed by the ModelCheckpoint class (PL < 1.5 layout) and holds a
      numpy float64 scalar (numpy.*.multiarray.scalar + numpy.dtype); hyper_parameters is an argparse.Namespace.
  lightning_legacy.ckpt
      the same layout in the legacy format, with the kl4_noattn LDM weights under first_stage_model. (smaller).
  hostile/*.pkl, hostile/*.pt
      raw pickles and archives that a safe loader must refuse (see HOSTILE below).

Run: PYTHON=/work/refvenv/bin/python tools/reference/generate_all.sh (or this script alone). Deterministic.
"""
import argparse
import collections
import io
import json
import os
import pickle
import struct
import sys
import zipfile
from pathlib import Path

import numpy as np
import torch
from pytorch_lightning.callbacks.model_checkpoint import ModelCheckpoint
from safetensors.torch import load_file, save_file

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "vae-core/src/test/resources/fixtures"
OUT = FIXTURES / "torch_checkpoints"


def plain_state_dict():
    g = torch.Generator().manual_seed(1234)
    sd = collections.OrderedDict()
    sd["f32"] = torch.randn(2, 3, generator=g)
    sd["f16"] = torch.randn(3, 2, generator=g).half()
    sd["bf16"] = torch.randn(4, generator=g).bfloat16()
    sd["f64"] = torch.randn(2, 2, generator=g).double()
    sd["i64"] = torch.tensor([-(2 ** 40), -1, 0, 7, 2 ** 62], dtype=torch.int64)
    sd["i32"] = torch.tensor([-5, 6], dtype=torch.int32)
    sd["i16"] = torch.tensor([-300, 301], dtype=torch.int16)
    sd["i8"] = torch.tensor([-128, 127], dtype=torch.int8)
    sd["u8"] = torch.tensor([0, 255, 3], dtype=torch.uint8)
    sd["flags"] = torch.tensor([True, False, True])
    base = torch.arange(12, dtype=torch.float32) * 0.5
    sd["shared.a"] = base[2:6]          # offset 2
    sd["shared.b"] = base[4:12].view(2, 4)  # offset 4, same storage
    sd["transposed"] = torch.randn(3, 4, generator=g).t()  # strides (1, 4)
    sd["strided"] = torch.arange(20, dtype=torch.float32).view(4, 5)[1:, ::2]  # offset 5, strides (5, 2)
    sd["scalar"] = torch.tensor(3.25)
    sd["empty"] = torch.zeros(0, 3)
    sd["param"] = torch.nn.Parameter(torch.randn(2, 2, generator=g))
    return sd


def expected_file(sd, path):
    tensors = {k: v.detach().contiguous().clone() for k, v in sd.items()}
    meta = {}
    for k, v in sd.items():
        meta["stride." + k] = json.dumps(list(v.stride()))
        meta["offset." + k] = json.dumps(v.storage_offset())
    save_file(tensors, str(path), metadata=meta)


def ldm_weights(case, prefix_all):
    ldm = load_file(str(FIXTURES / "autoencoder_kl" / case / "ldm.safetensors"))
    out = collections.OrderedDict()
    for k in sorted(ldm):
        key = k if (not prefix_all or k.startswith("first_stage_model.")) else "first_stage_model." + k
        out[key] = ldm[k]
    return out


def lightning(state_dict):
    first = next(iter(state_dict.values()))
    return {
        "epoch": 3,
        "global_step": 10,
        "pytorch-lightning_version": "1.4.2",
        "state_dict": state_dict,
        "optimizer_states": [{
            "state": {0: {"step": torch.tensor(10.0), "exp_avg": torch.zeros_like(first)}},
            "param_groups": [{"lr": 4.5e-6, "betas": (0.5, 0.9), "eps": 1e-8, "params": [0]}],
        }],
        "lr_schedulers": [],
        "callbacks": {ModelCheckpoint: {"best_model_score": np.float64(0.5), "best_model_path": "/ckpt/last.ckpt",
                                        "monitor": None}},
        "hyper_parameters": argparse.Namespace(lr=4.5e-6, embed_dim=4),
    }


def p2(body: bytes) -> bytes:
    return b"\x80\x02" + body + b"."


def global_op(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def unicode(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def zip_with_pickle(pkl, records=None):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", pkl)
        z.writestr("archive/byteorder", "little")
        for name, data in (records or {}).items():
            z.writestr("archive/data/" + name, data)
        z.writestr("archive/version", "3\n")
    return buf.getvalue()


def tensor_pickle(numel, offset, size, stride, storage_type="FloatStorage"):
    """_rebuild_tensor_v2(('storage', torch.<type>, '0', 'cpu', numel), offset, size, stride, False, OrderedDict())."""
    def tup(values):
        return b"(" + b"".join(b"J" + struct.pack("<i", v) for v in values) + b"t"
    pid = b"(" + unicode("storage") + global_op("torch", storage_type) + unicode("0") + unicode("cpu") \
        + b"J" + struct.pack("<i", numel) + b"tQ"
    args = b"(" + pid + b"J" + struct.pack("<i", offset) + tup(size) + tup(stride) + b"\x89" \
        + global_op("collections", "OrderedDict") + b")Rt"
    return p2(b"}(" + unicode("w") + global_op("torch._utils", "_rebuild_tensor_v2") + args + b"Ru")


def hostile(plain_zip: bytes, plain_legacy: bytes):
    cmd = unicode("echo vae4j-hostile-fixture")
    files = {
        # REDUCE of os.system (as Python 3 pickles it on Linux: posix.system) and of os.system by name
        "reduce_posix_system.pkl": p2(global_op("posix", "system") + b"(" + cmd + b"tR"),
        "reduce_os_system.pkl": p2(global_op("os", "system") + b"(" + cmd + b"tR"),
        # STACK_GLOBAL builtins.exec in protocol 4
        "stack_global_builtins_exec.pkl": b"\x80\x04\x8c\x08builtins\x8c\x04exec\x93" + b"(" + cmd + b"tR.",
        "global_builtins_eval.pkl": p2(global_op("builtins", "eval") + b"(" + unicode("1+1") + b"tR"),
        # an allowed reducer whose argument smuggles a forbidden global (hooks dict holding builtins.print)
        "nested_builtins_print.pkl": p2(b"}(" + unicode("k") + global_op("builtins", "print") + b"u"),
        # INST opcode naming subprocess.Popen
        "inst_subprocess_popen.pkl": b"(" + cmd + b"isubprocess\nPopen\n.",
        # BINUNICODE claiming 2^31-1 bytes with 3 present
        "huge_binunicode.pkl": b"\x80\x02X\xff\xff\xff\x7fabc.",
        # BINBYTES8 claiming 2^62 bytes
        "huge_binbytes8.pkl": b"\x80\x04\x8e" + struct.pack("<Q", 1 << 62) + b"abc.",
        # LONG_BINGET of a memo slot never written
        "bad_memo.pkl": b"\x80\x02j\xff\xff\xff\x7f.",
        # 10000 nested MARKs (deep nesting)
        "deep_nesting.pkl": b"\x80\x02" + b"(" * 10000 + b"l" * 10000 + b".",
        # a list that contains itself, then used as a dict key (unhashable in Python)
        "cyclic_key.pkl": b"\x80\x02]q\x00h\x00h\x00a}q\x01h\x00K\x01s.",
        "empty.pkl": b"",
        "no_stop.pkl": b"\x80\x02K\x01",
        # zip archives: valid structure, hostile tensors
        "negative_size.pt": zip_with_pickle(tensor_pickle(4, 0, [-1], [1]), {"0": b"\0" * 16}),
        "negative_numel.pt": zip_with_pickle(tensor_pickle(-4, 0, [1], [1]), {"0": b"\0" * 16}),
        "negative_offset.pt": zip_with_pickle(tensor_pickle(4, -1, [2], [1]), {"0": b"\0" * 16}),
        "view_beyond_storage.pt": zip_with_pickle(tensor_pickle(2, 0, [10], [1]), {"0": b"\0" * 8}),
        "record_too_small.pt": zip_with_pickle(tensor_pickle(4, 0, [4], [1]), {"0": b"\0" * 8}),
        "missing_record.pt": zip_with_pickle(tensor_pickle(4, 0, [4], [1]), {}),
        "huge_numel.pt": zip_with_pickle(tensor_pickle(2 ** 31 - 1, 0, [2 ** 31 - 1], [1]), {"0": b"\0" * 16}),
        "unknown_storage_type.pt": zip_with_pickle(tensor_pickle(4, 0, [4], [1], "ComplexFloatStorageX"),
                                                   {"0": b"\0" * 16}),
        "os_system_in_zip.pt": zip_with_pickle(p2(global_op("os", "system") + b"(" + cmd + b"tR")),
        "truncated_zip.pt": plain_zip[: len(plain_zip) // 2],
        "truncated_legacy.pt": plain_legacy[: len(plain_legacy) - 20],
        "not_a_checkpoint.pt": b"hello, this is not a checkpoint\n",
    }
    folder = OUT / "hostile"
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    # the forbidden ones really are refused by torch's own safe loader too (sanity check of the fixtures)
    for name in ("negative_size.pt", "view_beyond_storage.pt", "os_system_in_zip.pt"):
        try:
            torch.load(folder / name, weights_only=True)
        except Exception:  # noqa: BLE001 - any refusal is fine
            continue
        raise AssertionError(f"torch.load accepted hostile fixture {name}")


def deterministic_zip_save(obj, path, **kw):
    buf = io.BytesIO()
    torch.save(obj, buf, **kw)
    data = buf.getvalue()
    path.write_bytes(data)
    return data


def main():
    torch.manual_seed(0)
    OUT.mkdir(parents=True, exist_ok=True)
    sd = plain_state_dict()
    plain_zip = deterministic_zip_save(sd, OUT / "plain_zip.pt")
    plain_legacy = deterministic_zip_save(sd, OUT / "plain_legacy.pt", _use_new_zipfile_serialization=False)
    torch.save(sd, OUT / "plain_zip_p4.pt", pickle_protocol=4)  # archive folder named "plain_zip_p4"
    expected_file(sd, OUT / "plain_expected.safetensors")
    deterministic_zip_save(lightning(ldm_weights("kl4_quant_attn", False)), OUT / "lightning_zip.ckpt")
    deterministic_zip_save(lightning(ldm_weights("kl4_noattn", True)), OUT / "lightning_legacy.ckpt",
                           _use_new_zipfile_serialization=False)
    hostile(plain_zip, plain_legacy)

    # check: torch reads everything back identically (weights_only=False: these are our own files)
    for name in ("plain_zip.pt", "plain_legacy.pt", "plain_zip_p4.pt"):
        back = torch.load(OUT / name, weights_only=False)
        for k, v in sd.items():
            assert torch.equal(back[k], v.detach()) and back[k].stride() == v.stride(), (name, k)
        assert back["shared.a"].untyped_storage().data_ptr() == back["shared.b"].untyped_storage().data_ptr()
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"wrote {sum(1 for p in OUT.rglob('*') if p.is_file())} files, {total} bytes to {OUT}")


if __name__ == "__main__":
    sys.exit(main())
