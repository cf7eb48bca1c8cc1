"""PyTorch CPU tensors straight into mirsafety.entropy (no copies), and Accumulator.add_attentions() on the
attentions of a small randomly initialised attention model built here (no downloaded weights), against the
same entropies computed in float64 by torch itself. torch is optional: without it these tests skip."""
import numpy as np
import pytest

import mirsafety
from mirsafety import _ffi

torch = pytest.importorskip("torch", reason="PyTorch is not installed (optional: apt-get install python3-torch)")
pytestmark = pytest.mark.skipif("mirs_entropy_rows" not in _ffi.FUNCTIONS, reason="no entropy module in this build")
E = mirsafety.entropy

# Inputs are rounded to the tensor dtype first and the reference sees exactly those values in float64, so only
# the kernel's arithmetic differs: the library's promise of 2e-6 nats absolute.
TOL = 2e-6


def ref(p, span=None):
    """Entropy over the last axis (restricted to [begin, end) and renormalised), float64, by torch."""
    p = p.double()
    if span is not None:
        p = p[..., span[0]:span[1]]
    q = p / p.sum(-1, keepdim=True)
    return -torch.where(q > 0, q * torch.log(q), torch.zeros_like(q)).sum(-1)


class TinyAttention(torch.nn.Module):
    """A few self-attention layers, randomly initialised, returning HF-style attentions [B, H, Q, K] per layer."""

    def __init__(self, layers=3, dim=32, heads=4):
        super().__init__()
        self.emb = torch.nn.Embedding(100, dim)
        self.att = torch.nn.ModuleList(torch.nn.MultiheadAttention(dim, heads, batch_first=True) for _ in range(layers))

    def forward(self, ids):
        x = self.emb(ids)
        attentions = []
        for a in self.att:
            y, w = a(x, x, x, need_weights=True, average_attn_weights=False)
            x = x + y
            attentions.append(w)
        return attentions


def test_tensor_is_read_in_place_not_copied():
    t = torch.rand(6, 40)
    a, dt = E._from_torch(t, None)
    assert a.ctypes.data == t.data_ptr() and dt is None
    b16 = t.bfloat16()[:, ::2]  # strided bf16
    a, dt = E._from_torch(b16, None)
    assert a.ctypes.data == b16.data_ptr() and dt == "bf16" and a.strides == (b16.stride(0) * 2, b16.stride(1) * 2)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16])
def test_rows_and_attention_any_strides(dtype):
    g = torch.Generator().manual_seed(3)
    p = torch.softmax(torch.randn(2, 3, 7, 50, generator=g) * 3, -1).to(dtype)
    want = ref(p)
    got = E.attention(p, policy="renormalize")[0]  # bf16 rounding moves a row sum by more than 1e-3
    assert np.abs(got - want.numpy()).max() <= TOL
    # transposed (keys not contiguous), a padded row layout, and rows()
    pt = p.transpose(2, 3).contiguous().transpose(2, 3)
    assert pt.stride(3) != 1
    assert np.abs(E.attention(pt, policy="renormalize")[0] - want.numpy()).max() <= TOL
    wide = torch.zeros(2 * 3 * 7, 64, dtype=dtype)
    wide[:, :50] = p.reshape(-1, 50)
    rows = wide[:, :50]
    assert np.abs(E.rows(rows, policy="renormalize") - want.reshape(-1).numpy()).max() <= TOL


def test_add_attentions_against_torch_float64():
    torch.manual_seed(0)
    model = TinyAttention().eval()
    ids = torch.randint(0, 100, (2, 24))
    with torch.no_grad():
        attentions = model(ids)
    span = (4, 20)  # the "image tokens"
    for dtype in [torch.float32, torch.float16, torch.bfloat16]:
        att = tuple(a.to(dtype) for a in attentions)
        acc = E.Accumulator(layers=3, heads=4, bins=16, lo=0.0, hi=4.0)
        got = acc.add_attentions("unsafe", att, spans=[span], q_begin=20)
        want = torch.stack([ref(a[:, :, 20:, :], span) for a in att], 1)  # [B, L, H, nq]
        assert got.shape == tuple(want.shape) == (2, 3, 4, 4)
        assert np.abs(got - want.numpy()).max() <= TOL
        assert acc.shape()["items_unsafe"] == 2
        s = acc.summary("unsafe", 1, 2)
        assert s["count"] == 2 * 4 and abs(s["mean"] - want[:, 1, 2].mean().item()) <= TOL


def test_wrong_layer_count_says_so():
    acc = E.Accumulator(layers=2, heads=4)
    with pytest.raises(ValueError):
        acc.add_attentions("safe", (torch.rand(1, 4, 3, 5),))
