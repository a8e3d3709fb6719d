"""The floor of W5: hand-written NumPy forward + backward of the small CNN (channels-last im2col conv).

See :mod:`benchmarks.floor` for what the floor is; :class:`Conv` follows :class:`benchmarks.common.Runner`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .common import Outcome
from .floor_mlp import cross_entropy
from .problems import ConvProblem


# The floor keeps activations channels-last (N, H, W, C): im2col is then one copy of a window view, the conv's
# matmul yields NHWC directly, and pooling is a reshape; only the 16x7x7 features are transposed back to
# PyTorch's (C, H, W) flattening order for the linear layer.
def conv3x3_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """3x3 convolution, stride 1, padding 1, NHWC in and out, weight (O, C, 3, 3); returns (out, cols)."""
    n, h, wd, c = x.shape
    xp = np.zeros((n, h + 2, wd + 2, c), dtype=x.dtype)
    xp[:, 1:-1, 1:-1, :] = x
    windows = sliding_window_view(xp, (3, 3), axis=(1, 2))  # (N, H, W, C, 3, 3), a view
    cols = windows.transpose(0, 1, 2, 4, 5, 3).reshape(n * h * wd, 9 * c)  # columns ordered (i, j, c): one copy
    out = cols @ w.transpose(0, 2, 3, 1).reshape(w.shape[0], 9 * c).T  # (N*H*W, O)
    out += b
    return out.reshape(n, h, wd, -1), cols


def conv3x3_backward(
    dout: np.ndarray, cols: np.ndarray, w: np.ndarray, need_dx: bool
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Gradients (dx or None, dw, db) from NHWC ``dout``; col2im adds one shifted slice per kernel offset."""
    n, h, wd, c_out = dout.shape
    c = w.shape[1]
    dmat = dout.reshape(n * h * wd, c_out)
    dw = (dmat.T @ cols).reshape(c_out, 3, 3, c).transpose(0, 3, 1, 2)
    db = dmat.sum(axis=0)
    if not need_dx:
        return None, dw, db
    dcols = (dmat @ w.transpose(0, 2, 3, 1).reshape(c_out, 9 * c)).reshape(n, h, wd, 3, 3, c)
    dxp = np.zeros((n, h + 2, wd + 2, c), dtype=dout.dtype)
    for i in range(3):
        for j in range(3):
            dxp[:, i : i + h, j : j + wd, :] += dcols[:, :, :, i, j, :]
    return dxp[:, 1:-1, 1:-1, :], dw, db


def relu_maxpool2_forward(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """max_pool2d(relu(z), 2) on NHWC ``z`` as relu(max_pool2d(z, 2)) (ReLU is monotonic: the same numbers, a
    quarter of the work); returns (out, where the gradient goes: each window's maxima of z, if positive).

    Ties within a window can only matter at zero after the ReLU, where relu' = 0 sends no gradient anyway.
    """
    n, h, w, c = z.shape
    zw = z.reshape(n, h // 2, 2, w // 2, 2, c)
    pooled = np.maximum(
        np.maximum(zw[:, :, 0, :, 0], zw[:, :, 0, :, 1]), np.maximum(zw[:, :, 1, :, 0], zw[:, :, 1, :, 1])
    )
    np.maximum(pooled, 0, out=pooled)
    mask = zw == pooled[:, :, None, :, None, :]
    mask &= (pooled > 0)[:, :, None, :, None, :]
    return pooled, mask


def relu_maxpool2_backward(dout: np.ndarray, mask: np.ndarray) -> np.ndarray:
    n, h2, _, w2, _, c = mask.shape
    return (mask * dout[:, :, None, :, None, :]).reshape(n, h2 * 2, w2 * 2, c)


def conv_forward_backward(p: ConvProblem, params: list[np.ndarray]) -> tuple[float, list[np.ndarray]]:
    c1w, c1b, c2w, c2b, fcw, fcb = params
    x = p.x.transpose(0, 2, 3, 1)  # (N, H, W, 1): with one channel this is a free view
    z1, cols1 = conv3x3_forward(x, c1w, c1b)
    p1, mask1 = relu_maxpool2_forward(z1)
    z2, cols2 = conv3x3_forward(p1, c2w, c2b)
    p2, mask2 = relu_maxpool2_forward(z2)
    flat = p2.transpose(0, 3, 1, 2).reshape(p2.shape[0], -1)  # PyTorch's (C, H, W) order
    logits = flat @ fcw.T
    logits += fcb
    loss, dlogits = cross_entropy(logits, p.y)
    dfcw = dlogits.T @ flat
    dfcb = dlogits.sum(axis=0)
    n, h2, w2, c2 = p2.shape
    dp2 = (dlogits @ fcw).reshape(n, c2, h2, w2).transpose(0, 2, 3, 1)
    dz2 = relu_maxpool2_backward(dp2, mask2)
    dp1, dc2w, dc2b = conv3x3_backward(dz2, cols2, c2w, True)
    assert dp1 is not None
    dz1 = relu_maxpool2_backward(dp1, mask1)
    _, dc1w, dc1b = conv3x3_backward(dz1, cols1, c1w, False)  # the input needs no gradient
    return loss, [dc1w, dc1b, dc2w, dc2b, dfcw, dfcb]


class Conv:
    """W5: forward + backward of the small CNN."""

    def __init__(self, problem: ConvProblem) -> None:
        self.p = problem
        self.params = [a.copy() for a in problem.params()]

    def step(self) -> None:
        conv_forward_backward(self.p, self.params)

    def check(self) -> Outcome:
        loss, grads = conv_forward_backward(self.p, self.params)
        return Outcome([loss], dict(zip(self.p.names(), grads)))

    def info(self) -> dict[str, Any]:
        return {}
