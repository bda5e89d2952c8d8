"""Golden activations of CBraMod from PyTorch, for CBraModGoldenTests.

Run with Debian's PyTorch (apt-get install python3-torch; 1.13.1):
    /usr/bin/python3 tests/Neurodecode.Tests/Models/CBraMod/Golden/make_golden.py

The modules below are written from the architecture as wjq-learning/CBraMod defines it (models/cbramod.py,
models/criss_cross_transformer.py, models/model_for_physio.py) with the same module tree, so state_dict names
match the reference checkpoints. Weights and inputs are deterministic formulas (weight_value / input_value, mirrored
in the C# test), so no weights are stored; the file holds the state_dict names and shapes and the activations of
every stage, in the safetensors layout.
"""
import json
import math
import os
import struct

import numpy as np
import torch
from torch import nn

D_MODEL, N_HEADS, DIM_FF, N_LAYERS, PATCH = 200, 8, 800, 2, 200
B, C, N, N_CLASSES = 2, 4, 3, 4


class PatchEmbedding(nn.Module):
    def __init__(self):
        super().__init__()
        self.positional_encoding = nn.Sequential(
            nn.Conv2d(D_MODEL, D_MODEL, kernel_size=(19, 7), stride=(1, 1), padding=(9, 3), groups=D_MODEL))
        self.mask_encoding = nn.Parameter(torch.zeros(PATCH), requires_grad=False)
        blocks = []
        for cin, k, s, p in [(1, 49, 25, 24), (25, 3, 1, 1), (25, 3, 1, 1)]:
            blocks += [nn.Conv2d(cin, 25, kernel_size=(1, k), stride=(1, s), padding=(0, p)), nn.GroupNorm(5, 25), nn.GELU()]
        self.proj_in = nn.Sequential(*blocks)
        self.spectral_proj = nn.Sequential(nn.Linear(PATCH // 2 + 1, D_MODEL), nn.Dropout(0.1))

    def forward(self, x, mask=None):
        b, c, n, p = x.shape
        if mask is not None:
            x = x.clone()
            x[mask == 1] = self.mask_encoding
        t = self.proj_in(x.reshape(b, 1, c * n, p))                    # (b, 25, c*n, 8)
        t = t.permute(0, 2, 1, 3).reshape(b, c, n, D_MODEL)             # channel-major 25 x 8
        s = self.spectral_proj(torch.fft.rfft(x, dim=-1, norm="forward").abs())
        e = t + s
        return e + self.positional_encoding(e.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        h = D_MODEL // 2
        self.self_attn_s = nn.MultiheadAttention(h, N_HEADS // 2, dropout=0.1, batch_first=True)
        self.self_attn_t = nn.MultiheadAttention(h, N_HEADS // 2, dropout=0.1, batch_first=True)
        self.linear1 = nn.Linear(D_MODEL, DIM_FF)
        self.dropout = nn.Dropout(0.1)
        self.linear2 = nn.Linear(DIM_FF, D_MODEL)
        self.norm1 = nn.LayerNorm(D_MODEL, eps=1e-5)
        self.norm2 = nn.LayerNorm(D_MODEL, eps=1e-5)
        self.dropout1 = nn.Dropout(0.1)
        self.dropout2 = nn.Dropout(0.1)

    def forward(self, x):
        b, c, n, d = x.shape
        h = d // 2
        y = self.norm1(x)
        ys = y[..., :h].transpose(1, 2).reshape(b * n, c, h)
        ys = self.self_attn_s(ys, ys, ys, need_weights=False)[0].reshape(b, n, c, h).transpose(1, 2)
        yt = y[..., h:].reshape(b * c, n, h)
        yt = self.self_attn_t(yt, yt, yt, need_weights=False)[0].reshape(b, c, n, h)
        x = x + self.dropout1(torch.cat([ys, yt], dim=3))
        ff = self.linear2(self.dropout(nn.functional.gelu(self.linear1(self.norm2(x)))))
        return x + self.dropout2(ff)


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([Layer() for _ in range(N_LAYERS)])

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class CBraMod(nn.Module):
    def __init__(self):
        super().__init__()
        self.patch_embedding = PatchEmbedding()
        self.encoder = Encoder()
        self.proj_out = nn.Sequential(nn.Linear(D_MODEL, PATCH))

    def forward(self, x, mask=None):
        return self.proj_out(self.encoder(self.patch_embedding(x, mask)))


class Classifier(nn.Module):
    """model_for_physio's all_patch_reps head on a C x N grid: backbone.* and classifier.{1,4,7}.*"""

    def __init__(self):
        super().__init__()
        self.backbone = CBraMod()
        self.backbone.proj_out = nn.Identity()
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(C * N * D_MODEL, N * D_MODEL), nn.ELU(), nn.Dropout(0.1),
            nn.Linear(N * D_MODEL, D_MODEL), nn.ELU(), nn.Dropout(0.1), nn.Linear(D_MODEL, N_CLASSES))

    def forward(self, x):
        return self.classifier(self.backbone(x))


def name_hash(name):
    return sum((i + 1) * ord(ch) for i, ch in enumerate(name)) % 10007


def weight_value(name, shape):
    """The deterministic test weights; CBraModGoldenTests.WeightValue computes the same."""
    n = int(np.prod(shape))
    i = np.arange(n, dtype=np.float64)
    wave = np.sin(0.7 * i + 0.013 * name_hash(name))
    if name.endswith("mask_encoding"):
        values = np.zeros(n)
    elif len(shape) >= 2:
        fan_in = n // shape[0]
        values = 1.5 * wave / math.sqrt(fan_in)
    elif name.endswith(".weight"):
        values = 1.0 + 0.1 * wave
    else:
        values = 0.1 * wave
    return values.astype(np.float32).reshape(shape)


def input_value(b, c, n, p):
    idx = np.indices((b, c, n, p), dtype=np.float64)
    bb, cc, nn_, tt = idx
    x = 0.5 * np.sin(0.05 * tt * (1 + cc) + nn_ + 0.3 * bb) + 0.1 * np.cos(0.17 * tt * (nn_ + 1) + cc)
    return x.astype(np.float32)


def mask_value(b, c, n):
    idx = np.indices((b, c, n))
    return ((idx[0] + idx[1] + idx[2]) % 3 == 0).astype(np.float32)


def fill(module):
    with torch.no_grad():
        for name, t in module.state_dict().items():
            t.copy_(torch.from_numpy(weight_value(name, tuple(t.shape))))


def write_safetensors(path, tensors, metadata):
    header, offset, blobs = {"__metadata__": metadata}, 0, []
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name], dtype="<f4")
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
        blobs.append(a.tobytes())
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for blob in blobs:
            f.write(blob)


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    pre, fine = CBraMod().eval(), Classifier().eval()
    fill(pre)
    fill(fine)
    x = torch.from_numpy(input_value(B, C, N, PATCH))
    mask = torch.from_numpy(mask_value(B, C, N))
    with torch.no_grad():
        emb = pre.patch_embedding(x)
        emb_masked = pre.patch_embedding(x, mask)
        feats = pre.encoder(emb)
        recon = pre.proj_out(feats)
        recon_masked = pre(x, mask)
        loss = nn.functional.mse_loss(recon_masked[mask == 1], x[mask == 1])
        logits = fine(x)
    out = {
        "patch_embedding": emb, "patch_embedding_masked": emb_masked, "encoder": feats,
        "reconstruction": recon, "reconstruction_masked": recon_masked,
        "masked_loss": loss.reshape(1), "logits_all_patch_reps": logits,
    }
    for k, v in out.items():
        assert torch.isfinite(v).all(), k
    metadata = {
        "torch": torch.__version__,
        "config": json.dumps({"d_model": D_MODEL, "n_heads": N_HEADS, "dim_feedforward": DIM_FF, "n_layers": N_LAYERS,
                              "batch": B, "n_chans": C, "n_patches": N, "n_outputs": N_CLASSES}),
        "pretraining_state": json.dumps({k: list(v.shape) for k, v in pre.state_dict().items()}),
        "fine_tuning_state": json.dumps({k: list(v.shape) for k, v in fine.state_dict().items()}),
    }
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.path.join(root, "tests", "Neurodecode.Tests", "Golden", "cbramod", "cbramod_golden.safetensors")
    write_safetensors(path, {k: v.numpy() for k, v in out.items()}, metadata)
    print(f"wrote {path}: " + ", ".join(f"{k} {tuple(v.shape)}" for k, v in out.items()) + f"; loss {loss.item():.6f}")


if __name__ == "__main__":
    main()
