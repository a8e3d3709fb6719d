"""The op spec table: every primitive and every tensor function of ``autograd_mini.functional``.

Each :class:`OpSpec` names one call of the engine (``fn``), a NumPy reference (``ref``), the input
shapes and the domain the inputs are drawn from (away from kinks, ties and poles, so finite
differences are meaningful), the keyword arguments passed to ``fn``, ``ref`` and the PyTorch
equivalent (``torch``), and the registered primitives the call must record (``primitives``).

The table is consumed by ``test_op_specs.py`` (forward vs NumPy, dtype, gradcheck, gradgradcheck,
coverage meta-tests) and ``test_torch_differential.py`` (forward and vjps vs PyTorch).  Torch
functions receive the ``torch`` module as their first argument, so this file imports no torch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import autograd_mini as am

Array = np.ndarray
Sampler = Callable[[np.random.Generator, tuple[int, ...]], Array]


# ------------------------------------------------------------------- input domains
def uniform(low: float, high: float) -> Sampler:
    return lambda rng, shape: rng.uniform(low, high, shape)


def nonzero(low: float = 0.3, high: float = 2.0) -> Sampler:
    """|x| in [low, high] with a random sign: away from the kink of abs/relu/sign at 0."""
    return lambda rng, shape: rng.choice([-1.0, 1.0], shape) * rng.uniform(low, high, shape)


def away_from(points: Sequence[float], margin: float, low: float = -2.0, high: float = 2.0) -> Sampler:
    """Uniform on [low, high] but at least ``margin`` from every point (clamp bounds, thresholds...)."""

    def sample(rng: np.random.Generator, shape: tuple[int, ...]) -> Array:
        values = rng.uniform(low, high, shape)
        for _ in range(1000):
            bad = np.zeros(shape, dtype=bool)
            for p in points:
                bad |= np.abs(values - p) < margin
            if not bad.any():
                return values
            values[bad] = rng.uniform(low, high, int(bad.sum()))
        raise AssertionError("could not sample away from the given points")

    return sample


def distinct(rng: np.random.Generator, shape: tuple[int, ...]) -> Array:
    """All values distinct, at least 0.2 apart: no ties for max/min/amax/argmax."""
    n = math.prod(shape)
    values = (rng.permutation(n) - (n - 1) / 2) * 0.3 + rng.uniform(-0.05, 0.05, n)
    return values.reshape(shape)


def distinct_abs(rng: np.random.Generator, shape: tuple[int, ...]) -> Array:
    """Distinct magnitudes, all at least 0.25 from 0 (for inf-norms: no ties, no abs kink)."""
    n = math.prod(shape)
    magnitudes = (rng.permutation(n) + 1) * 0.3 + rng.uniform(-0.05, 0.05, n)
    return (rng.choice([-1.0, 1.0], n) * magnitudes).reshape(shape)


def with_zero(base: Sampler) -> Sampler:
    """``base`` with one element set to exactly 0 (prod's zero-safe gradient)."""

    def sample(rng: np.random.Generator, shape: tuple[int, ...]) -> Array:
        values = base(rng, shape)
        values.reshape(-1)[int(rng.integers(values.size))] = 0.0
        return values

    return sample


def integers(low: int, high: int) -> Sampler:
    return lambda rng, shape: rng.integers(low, high, shape).astype(np.int64)


def booleans(rng: np.random.Generator, shape: tuple[int, ...]) -> Array:
    return rng.random(shape) < 0.5


def with_specials(rng: np.random.Generator, shape: tuple[int, ...]) -> Array:
    """Reals with a NaN, +inf and -inf mixed in (isnan/isfinite)."""
    values = rng.uniform(-2, 2, shape).reshape(-1)
    values[:3] = [np.nan, np.inf, -np.inf]
    return rng.permutation(values).reshape(shape)


DOMAINS: dict[str, Sampler] = {
    "real": uniform(-2.0, 2.0),
    "positive": uniform(0.5, 2.0),
    "unit": uniform(-0.9, 0.9),
    "nonzero": nonzero(),
    "distinct": distinct,
    "distinct_abs": distinct_abs,
    "int": integers(-3, 4),
    "bool": booleans,
}
Domain = str | Sampler


# ------------------------------------------------------------------- the spec record
@dataclass(frozen=True)
class OpSpec:
    """One entry of the table (see the module docstring)."""

    name: str
    fn: Callable[..., Any]
    ref: Callable[..., Any]
    shapes: tuple[tuple[int, ...], ...] = ((2, 3),)
    domain: Domain | tuple[Domain, ...] = "real"
    kwargs: dict[str, Any] = field(default_factory=dict)
    primitives: tuple[str, ...] = ()
    torch: Callable[..., Any] | None = None
    differentiable: bool = True
    gradgrad: bool = True
    api: str | None = None
    out_dtype: Any = None  # a fixed output dtype (cast); None: floating outputs keep the input's dtype
    eps: float = 1e-6

    @property
    def function(self) -> str:
        """The ``autograd_mini.functional`` name this spec covers (name up to the first '[')."""
        return self.api if self.api is not None else self.name.split("[")[0]

    def domains(self) -> tuple[Sampler, ...]:
        domains = self.domain if isinstance(self.domain, tuple) else (self.domain,) * len(self.shapes)
        assert len(domains) == len(self.shapes), f"{self.name}: one domain per input"
        return tuple(DOMAINS[d] if isinstance(d, str) else d for d in domains)

    def arrays(self, rng: np.random.Generator, dtype: Any = np.float64) -> list[Array]:
        """Inputs drawn from the domains; floating ones in ``dtype``, integer and bool ones as drawn."""
        arrays = []
        for sampler, shape in zip(self.domains(), self.shapes):
            value = np.asarray(sampler(rng, shape))
            arrays.append(value.astype(dtype) if value.dtype.kind == "f" else value)
        return arrays

    def tensors(self, arrays: Sequence[Array], requires_grad: bool = True) -> list[am.Tensor]:
        """Engine tensors for ``arrays``; the floating ones require grad when the spec is differentiable."""
        return [
            am.tensor(a.copy(), requires_grad=requires_grad and self.differentiable and a.dtype.kind == "f")
            for a in arrays
        ]

    def __call__(self, *inputs: Any) -> Any:
        return self.fn(*inputs, **self.kwargs)

    def reference(self, *arrays: Array) -> Any:
        return self.ref(*arrays, **self.kwargs)


def outputs(result: Any) -> list[Any]:
    """A function's outputs as a list (split/chunk return tuples, max(dim) a (values, indices) pair)."""
    return list(result) if isinstance(result, (tuple, list)) else [result]


# ------------------------------------------------------------------- NumPy references
def _erf(x: Array) -> Array:
    return np.vectorize(math.erf, otypes=[np.float64])(x).astype(x.dtype)


def _softplus(x: Array, beta: float = 1.0, threshold: float = 20.0) -> Array:
    soft = np.logaddexp(0.0, x * beta) / beta
    return np.where(x * beta > threshold, x, soft)


def _sigmoid(x: Array) -> Array:
    return 0.5 * (1 + np.tanh(x / 2))


def _axis(dim: Any) -> Any:
    return tuple(dim) if isinstance(dim, list) else dim


def _np_logsumexp(x: Array, dim: Any = None, keepdim: bool = False) -> Array:
    peak = np.max(x, axis=_axis(dim), keepdims=True)
    total = np.log(np.sum(np.exp(x - peak), axis=_axis(dim), keepdims=True)) + peak
    return total if keepdim else np.squeeze(total, axis=_axis(dim))


def _np_softmax(x: Array, dim: int = -1) -> Array:
    e = np.exp(x - x.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


def _np_log_softmax(x: Array, dim: int = -1) -> Array:
    shifted = x - x.max(axis=dim, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))


def _np_softmax_cross_entropy(x: Array, labels: Array, reduction: str = "mean") -> Array:
    losses = -_np_log_softmax(x, 1)[np.arange(len(labels)), labels]
    return np.asarray(losses.mean() if reduction == "mean" else losses.sum())


def _np_var(
    x: Array, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, correction: float | None = None
) -> Array:
    ddof = correction if correction is not None else (0 if unbiased is False else 1)
    return np.var(x, axis=_axis(dim), ddof=ddof, keepdims=keepdim)


def _np_std(x: Array, **kwargs: Any) -> Array:
    return np.sqrt(_np_var(x, **kwargs))


def _np_norm(x: Array, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> Array:
    axis = _axis(dim)
    a = np.abs(x)
    if p in ("fro", 2):
        return np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdim))
    if p == math.inf:
        return np.max(a, axis=axis, keepdims=keepdim)
    if p == -math.inf:
        return np.min(a, axis=axis, keepdims=keepdim)
    if p == 0:
        return np.sum(x != 0, axis=axis, keepdims=keepdim).astype(x.dtype)
    return np.sum(a**p, axis=axis, keepdims=keepdim) ** (1.0 / p)


def _np_max_dim(x: Array, dim: int, keepdim: bool = False, largest: bool = True) -> tuple[Array, Array]:
    index = np.argmax(x, axis=dim) if largest else np.argmin(x, axis=dim)
    index = np.expand_dims(index, dim)
    values = np.take_along_axis(x, index, axis=dim)
    if not keepdim:
        values, index = values.squeeze(dim), index.squeeze(dim)
    return values, index.astype(np.int64)


def _np_prod_except(x: Array) -> Array:
    n = x.shape[-1]
    return np.stack([np.prod(np.delete(x, i, axis=-1), axis=-1) for i in range(n)], axis=-1)


def _np_sum_to(x: Array, shape: tuple[int, ...]) -> Array:
    lead = x.ndim - len(shape)
    x = x.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and x.shape[i] != 1)
    return x.sum(axis=axes, keepdims=True)


def _np_repeat(x: Array, *reps: int) -> Array:
    return np.tile(x, reps)


def _np_pad(x: Array, pad: Sequence[int], value: float = 0.0) -> Array:
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return np.pad(x, widths, constant_values=value)


def _np_split(x: Array, sizes: Sequence[int], dim: int) -> tuple[Array, ...]:
    return tuple(np.split(x, np.cumsum(sizes)[:-1], axis=dim))


def _window_geometry(
    spatial: Sequence[int], kernel: Sequence[int], stride: Sequence[int], dilation: Sequence[int]
) -> tuple[int, ...]:
    return tuple((n - d * (k - 1) - 1) // s + 1 for n, k, s, d in zip(spatial, kernel, stride, dilation))


def _tuple(value: Any, k: int) -> tuple[int, ...]:
    return (value,) * k if isinstance(value, int) else tuple(value)


def _np_windows(x: Array, kernel_size: Sequence[int], stride: Any = 1, dilation: Any = 1) -> Array:
    """(..., *spatial) -> (..., *out_spatial, *kernel), by explicit loops."""
    k = len(kernel_size)
    stride, dilation = _tuple(stride, k), _tuple(dilation, k)
    out = _window_geometry(x.shape[-k:], kernel_size, stride, dilation)
    result = np.zeros(x.shape[:-k] + out + tuple(kernel_size), dtype=x.dtype)
    for o in np.ndindex(*out):
        for w in np.ndindex(*kernel_size):
            source = tuple(oi * s + wi * d for oi, wi, s, d in zip(o, w, stride, dilation))
            result[(Ellipsis, *o, *w)] = x[(Ellipsis, *source)]
    return result


def _np_col2im(
    g: Array, shape: Sequence[int], kernel: Sequence[int], stride: Sequence[int], dilation: Sequence[int]
) -> Array:
    """The adjoint of :func:`_np_windows`: every window element added back where it came from."""
    k = len(kernel)
    out = g.shape[-2 * k : -k]
    result = np.zeros(tuple(shape), dtype=g.dtype)
    for o in np.ndindex(*out):
        for w in np.ndindex(*kernel):
            target = tuple(oi * s + wi * d for oi, wi, s, d in zip(o, w, stride, dilation))
            result[(Ellipsis, *target)] += g[(Ellipsis, *o, *w)]
    return result


def _np_index_scatter(g: Array, shape: tuple[int, ...], index: Any) -> Array:
    result = np.zeros(shape, dtype=g.dtype)
    np.add.at(result, index, g)
    return result


def _np_gather(x: Array, dim: int, index: Array) -> Array:
    return np.take_along_axis(x, index, axis=dim)


def _np_gelu_tanh(x: Array) -> Array:
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


def _np_clamp(x: Array, min: Any = None, max: Any = None) -> Array:
    if min is not None:
        x = np.maximum(x, min)
    if max is not None:
        x = np.minimum(x, max)
    return x


# ------------------------------------------------------------------- PyTorch equivalents
def T(path: str, *args: Any) -> Callable[..., Any]:
    """``torch.<path>(*tensors, *args, **kwargs)``; ``path`` may be dotted (``nn.functional.gelu``)."""

    def call(torch: Any, *tensors: Any, **kwargs: Any) -> Any:
        target = torch
        for part in path.split("."):
            target = getattr(target, part)
        return target(*tensors, *args, **kwargs)

    return call


def to_torch_index(torch: Any, index: Any) -> Any:
    """An index for a torch tensor: NumPy arrays and lists become tensors."""
    items = index if isinstance(index, tuple) else (index,)
    converted = tuple(
        torch.from_numpy(np.asarray(item)) if isinstance(item, (np.ndarray, list)) else item for item in items
    )
    return converted if isinstance(index, tuple) else converted[0]


def _torch_windows(torch: Any, x: Any, kernel_size: Sequence[int], stride: Any = 1, dilation: Any = 1) -> Any:
    """torch ``Tensor.unfold`` once per spatial dim, then the dilation picked out of each span."""
    k = len(kernel_size)
    stride, dilation = _tuple(stride, k), _tuple(dilation, k)
    base = x.ndim - k
    for i, (kk, s, d) in enumerate(zip(kernel_size, stride, dilation)):
        x = x.unfold(base + i, d * (kk - 1) + 1, s)
    return x[(Ellipsis, *(slice(None, None, d) for d in dilation))]


def _torch_col2im(
    torch: Any, g: Any, shape: Sequence[int], kernel: Sequence[int], stride: Sequence[int], dilation: Sequence[int]
) -> Any:
    """``torch.nn.functional.fold`` on the (N, C*kh*kw, L) layout of the same windows."""
    n, c = shape[0], shape[1]
    oh, ow, kh, kw = g.shape[-4:]
    columns = g.permute(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kw, oh * ow)
    return torch.nn.functional.fold(
        columns, tuple(shape[-2:]), tuple(kernel), dilation=tuple(dilation), stride=tuple(stride)
    )


def _torch_index_scatter(torch: Any, g: Any, shape: tuple[int, ...], index: Any) -> Any:
    """The adjoint of indexing in torch: the vjp of ``x[index]``, kept differentiable in ``g``."""
    x = torch.zeros(shape, dtype=g.dtype, requires_grad=True)
    (result,) = torch.autograd.grad(x[to_torch_index(torch, index)], x, g, create_graph=True)
    return result


def _torch_prod_except(torch: Any, x: Any) -> Any:
    n = x.shape[-1]
    return torch.stack([torch.cat([x[..., :i], x[..., i + 1 :]], -1).prod(-1) for i in range(n)], -1)


def _torch_norm(torch: Any, x: Any, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> Any:
    return torch.linalg.vector_norm(x, ord=2 if p == "fro" else p, dim=dim, keepdim=keepdim)


def _torch_logsumexp(torch: Any, x: Any, dim: Any = None, keepdim: bool = False) -> Any:
    return torch.logsumexp(x, dim=tuple(range(x.ndim)) if dim is None else dim, keepdim=keepdim)


def _torch_method(name: str) -> Callable[..., Any]:
    """``tensor.<name>(*args, **kwargs)`` for methods without a torch.* function (expand, repeat, view)."""
    return lambda torch, x, *args, **kwargs: getattr(x, name)(*args, **kwargs)


# ------------------------------------------------------------------- the table
# Fixed constants used by the index and where specs (shared by fn, ref and torch).
MASK_23 = np.array([[True, False, True], [False, False, True]])
MASK_234 = np.random.default_rng(7).random((2, 3, 4)) < 0.5
ROW_MASK_3 = np.array([True, False, True])
GATHER_INDEX = np.array([[2, 0, 2, 2], [1, 1, 0, 2], [0, 2, 1, 1]], dtype=np.int64)  # repeats on purpose


def _unary(
    name: str,
    fn: Callable[..., Any],
    ref: Callable[..., Any],
    primitives: tuple[str, ...],
    torch: Callable[..., Any] | None,
    domain: Domain = "real",
    **extra: Any,
) -> OpSpec:
    return OpSpec(name, fn, ref, ((2, 3),), domain, primitives=primitives, torch=torch, **extra)


def _binary(
    name: str,
    fn: Callable[..., Any],
    ref: Callable[..., Any],
    primitives: tuple[str, ...],
    torch: Callable[..., Any] | None,
    domain: Domain | tuple[Domain, ...] = "real",
    shapes: tuple[tuple[int, ...], ...] = ((2, 3), (3,)),
    **extra: Any,
) -> OpSpec:
    return OpSpec(name, fn, ref, shapes, domain, primitives=primitives, torch=torch, **extra)


def _tie_free_pair(rng: np.random.Generator, shape: tuple[int, ...]) -> Array:
    """Second operand of maximum/minimum: reals, but never within 0.1 of the first operand's values."""
    return away_from([-1.0, 0.0, 1.0], 0.1)(rng, shape)


def _index_spec(
    name: str,
    index: Any,
    shape: tuple[int, ...] = (3, 4),
    torch_index: Any = None,
    ref: Callable[[Array], Array] | None = None,
) -> OpSpec:
    """x[index]; ``torch_index`` replaces it for torch where torch spells the index differently, and
    ``ref`` the NumPy reference where NumPy's semantics differ from PyTorch's."""
    if torch_index is None:
        torch_fn = lambda torch, x: x[to_torch_index(torch, index)]  # noqa: E731
    else:
        torch_fn = torch_index
    return OpSpec(
        f"getitem[{name}]",
        lambda x: x[index],
        ref if ref is not None else lambda x: x[index],
        (shape,),
        primitives=("getitem",),
        torch=torch_fn,
    )


def _scatter_spec(name: str, index: Any, shape: tuple[int, ...]) -> OpSpec:
    """index_scatter(g, shape, index): g has the shape of x[index]."""
    g_shape = np.zeros(shape)[index].shape
    return OpSpec(
        f"index_scatter[{name}]",
        am.index_scatter,
        _np_index_scatter,
        (g_shape,),
        kwargs={"shape": shape, "index": index},
        primitives=("index_scatter",),
        torch=_torch_index_scatter,
    )


SPECS: list[OpSpec] = [
    # ---------------------------------------------------------------- elementwise, unary
    _unary("exp", am.exp, np.exp, ("exp",), T("exp")),
    _unary("exp2", am.exp2, np.exp2, ("exp", "mul"), T("exp2")),
    _unary("expm1", am.expm1, np.expm1, ("expm1",), T("expm1")),
    _unary("log", am.log, np.log, ("log",), T("log"), "positive"),
    _unary("log1p", am.log1p, np.log1p, ("log1p",), T("log1p"), uniform(-0.5, 2.0)),
    _unary("sqrt", am.sqrt, np.sqrt, ("pow_scalar",), T("sqrt"), "positive"),
    _unary("rsqrt", am.rsqrt, lambda x: 1 / np.sqrt(x), ("pow_scalar",), T("rsqrt"), "positive"),
    _unary("reciprocal", am.reciprocal, lambda x: 1 / x, ("pow_scalar",), T("reciprocal"), "nonzero"),
    _unary("square", am.square, np.square, ("pow_scalar",), T("square")),
    _unary("sin", am.sin, np.sin, ("sin",), T("sin")),
    _unary("cos", am.cos, np.cos, ("cos",), T("cos")),
    _unary("tanh", am.tanh, np.tanh, ("tanh",), T("tanh")),
    _unary("sigmoid", am.sigmoid, _sigmoid, ("sigmoid",), T("sigmoid"), uniform(-6.0, 6.0)),
    _unary("erf", am.erf, _erf, ("erf",), T("erf"), uniform(-4.0, 4.0)),
    _binary(
        "tanh_backward",
        am.tanh_backward,
        lambda g, y: g * (1 - y * y),
        ("tanh_backward",),
        lambda torch, g, y: torch.ops.aten.tanh_backward(g, y),
        ("real", uniform(-0.9, 0.9)),
        shapes=((2, 3), (2, 3)),
    ),
    _binary(
        "sigmoid_backward",
        am.sigmoid_backward,
        lambda g, y: g * y * (1 - y),
        ("sigmoid_backward",),
        lambda torch, g, y: torch.ops.aten.sigmoid_backward(g, y),
        ("real", uniform(0.1, 0.9)),
        shapes=((2, 3), (2, 3)),
    ),
    _unary("neg", am.neg, np.negative, ("neg",), T("neg")),
    _unary("abs", am.abs, np.abs, ("abs",), T("abs"), "nonzero"),
    _unary("sign", am.sign, np.sign, ("sign",), T("sign"), "nonzero"),
    _unary("clone", am.clone, np.copy, ("clone",), T("clone")),
    _unary("relu", am.relu, lambda x: np.maximum(x, 0), ("relu",), T("relu"), "nonzero"),
    _binary(
        "relu_backward",
        am.relu_backward,
        lambda g, y: np.where(y > 0, g, 0),
        ("relu_backward",),
        lambda torch, g, y: torch.ops.aten.threshold_backward(g, y, 0),
        ("real", "nonzero"),
        shapes=((2, 3), (2, 3)),
    ),
    OpSpec(
        "leaky_relu",
        am.leaky_relu,
        lambda x, negative_slope=0.01: np.where(x > 0, x, negative_slope * x),
        domain="nonzero",
        kwargs={"negative_slope": 0.1},
        primitives=("where", "mul"),
        torch=T("nn.functional.leaky_relu"),
    ),
    OpSpec(
        "elu",
        am.elu,
        lambda x, alpha=1.0: np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))),
        domain="nonzero",
        kwargs={"alpha": 1.3},
        primitives=("where", "expm1"),
        torch=T("nn.functional.elu"),
    ),
    _unary(
        "gelu",
        am.gelu,
        lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2))),
        ("erf",),
        T("nn.functional.gelu"),
        uniform(-3, 3),
    ),
    OpSpec(
        "gelu[tanh]",
        am.gelu,
        lambda x, approximate: _np_gelu_tanh(x),
        domain=uniform(-3, 3),
        kwargs={"approximate": "tanh"},
        primitives=("tanh",),
        torch=T("nn.functional.gelu"),
    ),
    _unary("silu", am.silu, lambda x: x * _sigmoid(x), ("sigmoid", "mul"), T("nn.functional.silu")),
    _unary("swish", am.swish, lambda x: x * _sigmoid(x), ("sigmoid",), T("nn.functional.silu")),
    _unary("mish", am.mish, lambda x: x * np.tanh(_softplus(x)), ("softplus", "tanh"), T("nn.functional.mish")),
    _unary(
        "softsign", am.softsign, lambda x: x / (1 + np.abs(x)), ("abs", "div"), T("nn.functional.softsign"), "nonzero"
    ),
    _unary("logsigmoid", am.logsigmoid, lambda x: -_softplus(-x), ("softplus", "neg"), T("nn.functional.logsigmoid")),
    _unary("softplus", am.softplus, _softplus, ("softplus",), T("nn.functional.softplus"), uniform(-5, 5)),
    OpSpec(
        # threshold = 1 with beta = 1: inputs on both branches, away from the switch at x = 1
        "softplus[beta_threshold]",
        am.softplus,
        _softplus,
        domain=away_from([1.0], 0.2, -3.0, 3.0),
        kwargs={"beta": 1.0, "threshold": 1.0},
        primitives=("softplus",),
        torch=T("nn.functional.softplus"),
    ),
    OpSpec(
        "softplus[beta2]",
        am.softplus,
        _softplus,
        domain=uniform(-3, 3),
        kwargs={"beta": 2.0},
        primitives=("softplus",),
        torch=T("nn.functional.softplus"),
    ),
    OpSpec(
        "hardtanh",
        am.hardtanh,
        lambda x, min_val=-1.0, max_val=1.0: np.clip(x, min_val, max_val),
        domain=away_from([-0.5, 0.8], 0.1),
        kwargs={"min_val": -0.5, "max_val": 0.8},
        primitives=("where",),
        torch=T("nn.functional.hardtanh"),
    ),
    OpSpec(
        "clamp",
        am.clamp,
        _np_clamp,
        domain=away_from([-0.5, 0.5], 0.1),
        kwargs={"min": -0.5, "max": 0.5},
        primitives=("clamp",),
        torch=T("clamp"),
    ),
    OpSpec(
        "clamp[min]",
        am.clamp,
        _np_clamp,
        domain=away_from([0.3], 0.1),
        kwargs={"min": 0.3},
        primitives=("clamp",),
        torch=T("clamp"),
    ),
    OpSpec(
        "clamp[max]",
        am.clamp,
        _np_clamp,
        domain=away_from([0.3], 0.1),
        kwargs={"max": 0.3},
        primitives=("clamp",),
        torch=T("clamp"),
    ),
    OpSpec(
        # tensor bounds: gradients flow to the bounds where they are active
        "clamp[tensor_bounds]",
        lambda x, low, high: am.clamp(x, low, high),
        lambda x, low, high: np.minimum(np.maximum(x, low), high),
        ((2, 3), (3,), (2, 1)),
        (away_from([-0.5, 0.5], 0.25), uniform(-0.6, -0.4), uniform(0.4, 0.6)),
        primitives=("where",),
        torch=lambda torch, x, low, high: torch.clamp(x, low, high),
    ),
    OpSpec(
        "clip",
        am.clip,
        _np_clamp,
        domain=away_from([-0.5, 0.5], 0.1),
        kwargs={"min": -0.5, "max": 0.5},
        primitives=("clamp",),
        torch=T("clip"),
    ),
    OpSpec(
        "masked_fill",
        lambda x: am.masked_fill(x, MASK_23, 0.25),
        lambda x: np.where(MASK_23, 0.25, x),
        primitives=("where",),
        torch=lambda torch, x: x.masked_fill(torch.from_numpy(MASK_23), 0.25),
    ),
    OpSpec(
        # cast is linear: a large step is exact and steps over float32 rounding
        "cast",
        lambda x: am.cast(x, np.float32),
        lambda x: x.astype(np.float32),
        primitives=("cast",),
        torch=lambda torch, x: x.to(torch.float32),
        out_dtype=np.float32,
        eps=1e-2,
    ),
    # ---------------------------------------------------------------- elementwise, binary (broadcasting)
    _binary("add", am.add, np.add, ("add",), T("add")),
    _binary("add[alpha]", am.add, lambda x, y, alpha: x + alpha * y, ("add", "mul"), T("add"), kwargs={"alpha": 2.5}),
    _binary(
        "add[scalar]",
        lambda x: am.add(x, 1.5),
        lambda x: x + 1.5,
        ("add",),
        lambda t, x: t.add(x, 1.5),
        shapes=((2, 3),),
    ),
    _binary("sub", am.sub, np.subtract, ("sub",), T("sub"), shapes=((2, 1), (1, 3))),
    _binary("sub[alpha]", am.sub, lambda x, y, alpha: x - alpha * y, ("sub", "mul"), T("sub"), kwargs={"alpha": -0.5}),
    _binary("sub[rscalar]", lambda x: 2.0 - x, lambda x: 2.0 - x, ("sub",), lambda t, x: 2.0 - x, shapes=((2, 3),)),
    _binary("mul", am.mul, np.multiply, ("mul",), T("mul"), shapes=((4, 1, 3), (2, 3))),
    _binary("div", am.div, np.divide, ("div",), T("div"), ("real", "nonzero")),
    _binary("div[rscalar]", lambda x: 1.5 / x, lambda x: 1.5 / x, ("div",), lambda t, x: 1.5 / x, "nonzero", ((2, 3),)),
    _binary(
        "pow",
        am.pow,
        np.power,
        ("pow",),
        T("pow"),
        ("positive", uniform(-2.0, 2.0)),
        shapes=((2, 3), (2, 1)),
    ),
    _binary(
        "pow[number_base]",
        lambda y: am.pow(2.5, y),
        lambda y: 2.5**y,
        ("pow",),
        lambda t, y: t.pow(2.5, y),
        shapes=((2, 3),),
    ),
    _binary(
        "pow[3]", lambda x: am.pow(x, 3), lambda x: x**3, ("pow_scalar",), lambda t, x: t.pow(x, 3), shapes=((2, 3),)
    ),
    _binary("pow[2]", lambda x: x**2, lambda x: x**2, ("pow_scalar",), lambda t, x: x**2, shapes=((2, 3),)),
    _binary("pow[-1]", lambda x: x**-1, lambda x: 1 / x, ("pow_scalar",), lambda t, x: x**-1, "nonzero", ((2, 3),)),
    _binary("pow[0.5]", lambda x: x**0.5, np.sqrt, ("pow_scalar",), lambda t, x: x**0.5, "positive", ((2, 3),)),
    _binary(
        "pow[2.7]", lambda x: x**2.7, lambda x: x**2.7, ("pow_scalar",), lambda t, x: x**2.7, "positive", ((2, 3),)
    ),
    _binary(
        "pow[-1.5]", lambda x: x**-1.5, lambda x: x**-1.5, ("pow_scalar",), lambda t, x: x**-1.5, "positive", ((2, 3),)
    ),
    _binary("pow[0]", lambda x: x**0, lambda x: x**0, ("pow_scalar",), lambda t, x: x**0, shapes=((2, 3),)),
    _binary("pow[1]", lambda x: x**1, lambda x: x**1, ("clone",), lambda t, x: x**1, shapes=((2, 3),)),
    _binary("maximum", am.maximum, np.maximum, ("maximum",), T("maximum"), ("real", _tie_free_pair)),
    _binary("minimum", am.minimum, np.minimum, ("minimum",), T("minimum"), ("real", _tie_free_pair), ((2, 1), (3,))),
    _binary("max[binary]", am.max, np.maximum, ("maximum",), T("max"), ("real", _tie_free_pair)),
    _binary("min[binary]", am.min, np.minimum, ("minimum",), T("min"), ("real", _tie_free_pair)),
    _binary(
        "where",
        lambda x, y: am.where(MASK_23, x, y),
        lambda x, y: np.where(MASK_23, x, y),
        ("where",),
        lambda torch, x, y: torch.where(torch.from_numpy(MASK_23), x, y),
        shapes=((2, 3), (2, 1)),
    ),
    _binary(
        "where[scalar]",
        lambda x: am.where(am.tensor(MASK_23), x, -1.0),
        lambda x: np.where(MASK_23, x, -1.0),
        ("where",),
        lambda torch, x: torch.where(torch.from_numpy(MASK_23), x, -1.0),
        shapes=((2, 3),),
    ),
    _binary(
        "xlogy",
        am.xlogy,
        lambda x, y: x * np.log(y),
        ("log", "where", "mul"),
        T("xlogy"),
        ("nonzero", "positive"),
    ),
    # ---------------------------------------------------------------- reductions
    OpSpec("sum", am.sum, np.sum, ((2, 3, 2),), primitives=("sum_all",), torch=T("sum")),
    OpSpec(
        "sum[dim]",
        am.sum,
        lambda x, dim, keepdim: np.sum(x, axis=dim, keepdims=keepdim),
        ((2, 3, 2),),
        kwargs={"dim": 1, "keepdim": False},
        primitives=("sum",),
        torch=T("sum"),
    ),
    OpSpec(
        "sum[dims_keepdim]",
        am.sum,
        lambda x, dim, keepdim: np.sum(x, axis=dim, keepdims=keepdim),
        ((2, 3, 2),),
        kwargs={"dim": (0, -1), "keepdim": True},
        primitives=("sum",),
        torch=T("sum"),
    ),
    OpSpec("mean", am.mean, np.mean, ((2, 3, 2),), primitives=("mean_all",), torch=T("mean")),
    OpSpec(
        "mean[dim_keepdim]",
        am.mean,
        lambda x, dim, keepdim: np.mean(x, axis=dim, keepdims=keepdim),
        ((2, 3, 2),),
        kwargs={"dim": -1, "keepdim": True},
        primitives=("mean",),
        torch=T("mean"),
    ),
    OpSpec("var", am.var, _np_var, ((2, 4),), primitives=("sum", "sub"), torch=T("var")),
    OpSpec(
        "var[dim_biased]",
        am.var,
        _np_var,
        ((2, 4),),
        kwargs={"dim": 1, "unbiased": False, "keepdim": True},
        primitives=("sum",),
        torch=T("var"),
    ),
    OpSpec(
        "var[correction2]",
        am.var,
        _np_var,
        ((4, 3),),
        kwargs={"dim": 0, "correction": 2},
        primitives=("sum",),
        torch=T("var"),
    ),
    OpSpec("std", am.std, _np_std, ((2, 4),), primitives=("sum", "pow_scalar"), torch=T("std")),
    OpSpec(
        "std[dim_correction0]",
        am.std,
        _np_std,
        ((3, 4),),
        kwargs={"dim": 0, "correction": 0, "keepdim": True},
        primitives=("sum", "pow_scalar"),
        torch=T("std"),
    ),
    OpSpec("prod", am.prod, np.prod, ((2, 3),), primitives=("prod", "reshape"), torch=T("prod")),
    OpSpec(
        "prod[dim]",
        am.prod,
        lambda x, dim, keepdim: np.prod(x, axis=dim, keepdims=keepdim),
        ((2, 3, 2),),
        kwargs={"dim": 1, "keepdim": True},
        primitives=("prod", "permute"),
        torch=T("prod"),
    ),
    OpSpec(
        "prod[with_zero]",
        am.prod,
        lambda x, dim: np.prod(x, axis=dim),
        ((2, 4),),
        with_zero(DOMAINS["real"]),
        kwargs={"dim": -1},
        primitives=("prod",),
        torch=T("prod"),
    ),
    OpSpec(
        "prod_except", am.prod_except, _np_prod_except, ((2, 4),), primitives=("prod_except",), torch=_torch_prod_except
    ),
    OpSpec(
        "prod_except[with_zero]",
        am.prod_except,
        _np_prod_except,
        ((2, 4),),
        with_zero(DOMAINS["real"]),
        primitives=("prod_except",),
        torch=_torch_prod_except,
    ),
    OpSpec("max", am.max, np.max, ((2, 3),), "distinct", primitives=("amax",), torch=T("max")),
    OpSpec(
        "max[dim]",
        am.max,
        lambda x, dim, keepdim=False: _np_max_dim(x, dim, keepdim),
        ((3, 4),),
        "distinct",
        kwargs={"dim": 1},
        primitives=("getitem",),
        torch=T("max"),
    ),
    OpSpec(
        "max[dim_keepdim]",
        am.max,
        lambda x, dim, keepdim: _np_max_dim(x, dim, keepdim),
        ((3, 4),),
        "distinct",
        kwargs={"dim": 0, "keepdim": True},
        primitives=("getitem",),
        torch=T("max"),
    ),
    OpSpec("min", am.min, np.min, ((2, 3),), "distinct", primitives=("amax", "neg"), torch=T("min")),
    OpSpec(
        "min[dim]",
        am.min,
        lambda x, dim, keepdim: _np_max_dim(x, dim, keepdim, largest=False),
        ((3, 4),),
        "distinct",
        kwargs={"dim": -1, "keepdim": False},
        primitives=("getitem",),
        torch=T("min"),
    ),
    OpSpec(
        "amax",
        am.amax,
        lambda x, dim, keepdim: np.max(x, axis=dim, keepdims=keepdim),
        ((2, 3, 2),),
        "distinct",
        kwargs={"dim": (0, 2), "keepdim": True},
        primitives=("amax",),
        torch=T("amax"),
    ),
    OpSpec("amax[all]", am.amax, np.max, ((2, 3),), "distinct", primitives=("amax",), torch=T("amax")),
    OpSpec(
        "amin",
        am.amin,
        lambda x, dim, keepdim=False: np.min(x, axis=dim, keepdims=keepdim),
        ((2, 3, 2),),
        "distinct",
        kwargs={"dim": 1},
        primitives=("amax",),
        torch=T("amin"),
    ),
    OpSpec("logsumexp", am.logsumexp, _np_logsumexp, ((2, 3),), primitives=("logsumexp",), torch=_torch_logsumexp),
    OpSpec(
        "logsumexp[dim]",
        am.logsumexp,
        _np_logsumexp,
        ((2, 3, 2),),
        kwargs={"dim": 1},
        primitives=("logsumexp",),
        torch=_torch_logsumexp,
    ),
    OpSpec(
        "logsumexp[dims_keepdim]",
        am.logsumexp,
        _np_logsumexp,
        ((2, 3, 2),),
        kwargs={"dim": (0, 2), "keepdim": True},
        primitives=("logsumexp",),
        torch=_torch_logsumexp,
    ),
    OpSpec(
        "cumsum",
        am.cumsum,
        lambda x, dim: np.cumsum(x, axis=dim),
        ((3, 4),),
        kwargs={"dim": 1},
        primitives=("cumsum",),
        torch=T("cumsum"),
    ),
    OpSpec(
        "cumsum[dim0]",
        am.cumsum,
        lambda x, dim: np.cumsum(x, axis=dim),
        ((3, 2, 2),),
        kwargs={"dim": 0},
        primitives=("cumsum",),
        torch=T("cumsum"),
    ),
    OpSpec("norm", am.norm, _np_norm, ((2, 3),), primitives=("norm2",), torch=_torch_norm),
    OpSpec(
        "norm[p2_dim]",
        am.norm,
        _np_norm,
        ((2, 3),),
        kwargs={"p": 2, "dim": 1, "keepdim": True},
        primitives=("norm2",),
        torch=_torch_norm,
    ),
    OpSpec(
        "norm[p1]",
        am.norm,
        _np_norm,
        ((2, 3),),
        "nonzero",
        kwargs={"p": 1, "dim": 0},
        primitives=("abs", "sum"),
        torch=_torch_norm,
    ),
    OpSpec(
        "norm[p3]",
        am.norm,
        _np_norm,
        ((2, 3),),
        "nonzero",
        kwargs={"p": 3},
        primitives=("abs", "pow_scalar"),
        torch=_torch_norm,
    ),
    OpSpec(
        "norm[p0.5]",
        am.norm,
        _np_norm,
        ((2, 3),),
        "nonzero",
        kwargs={"p": 0.5, "dim": -1},
        primitives=("abs", "pow_scalar"),
        torch=_torch_norm,
    ),
    OpSpec(
        "norm[inf]",
        am.norm,
        _np_norm,
        ((2, 3),),
        distinct_abs,
        kwargs={"p": math.inf, "dim": 1},
        primitives=("amax", "abs"),
        torch=_torch_norm,
    ),
    OpSpec(
        "norm[-inf]",
        am.norm,
        _np_norm,
        ((2, 3),),
        distinct_abs,
        kwargs={"p": -math.inf},
        primitives=("amax", "abs"),
        torch=_torch_norm,
    ),
    OpSpec(
        # counts non-zeros: piecewise constant, so no gradient (its output does not require grad)
        "norm[p0]",
        am.norm,
        _np_norm,
        ((2, 3),),
        with_zero(DOMAINS["real"]),
        kwargs={"p": 0},
        differentiable=False,
        torch=_torch_norm,
    ),
    OpSpec(
        "softmax",
        am.softmax,
        _np_softmax,
        ((2, 4),),
        uniform(-3, 3),
        kwargs={"dim": -1},
        primitives=("log_softmax", "exp"),
        torch=T("softmax"),
    ),
    OpSpec(
        "softmax[dim0]",
        am.softmax,
        _np_softmax,
        ((3, 2),),
        uniform(-3, 3),
        kwargs={"dim": 0},
        primitives=("log_softmax",),
        torch=T("softmax"),
    ),
    OpSpec(
        "log_softmax",
        am.log_softmax,
        _np_log_softmax,
        ((2, 3, 2),),
        uniform(-3, 3),
        kwargs={"dim": 1},
        primitives=("log_softmax",),
        torch=T("log_softmax"),
    ),
    OpSpec(
        "softmax_cross_entropy",
        am.softmax_cross_entropy,
        _np_softmax_cross_entropy,
        ((4, 5), (4,)),
        (uniform(-3, 3), integers(0, 5)),
        kwargs={"reduction": "mean"},
        primitives=("softmax_cross_entropy",),
        torch=T("nn.functional.cross_entropy"),
    ),
    OpSpec(
        "softmax_cross_entropy[sum]",
        am.softmax_cross_entropy,
        _np_softmax_cross_entropy,
        ((3, 4), (3,)),
        (uniform(-3, 3), integers(0, 4)),
        kwargs={"reduction": "sum"},
        primitives=("softmax_cross_entropy",),
        torch=T("nn.functional.cross_entropy"),
    ),
    # ---------------------------------------------------------------- shape
    OpSpec(
        "reshape",
        lambda x: am.reshape(x, (3, -1)),
        lambda x: x.reshape(3, -1),
        ((2, 3, 2),),
        primitives=("reshape",),
        torch=lambda torch, x: torch.reshape(x, (3, -1)),
    ),
    OpSpec(
        "view",
        lambda x: am.view(x, 6),
        lambda x: x.reshape(6),
        primitives=("reshape",),
        torch=lambda torch, x: x.view(6),
    ),
    OpSpec(
        "flatten",
        am.flatten,
        lambda x, start_dim: x.reshape(x.shape[:start_dim] + (-1,)),
        ((2, 3, 2),),
        kwargs={"start_dim": 1},
        primitives=("reshape",),
        torch=T("flatten"),
    ),
    OpSpec(
        "unflatten",
        am.unflatten,
        lambda x, dim, sizes: x.reshape(x.shape[:1] + tuple(sizes)),
        ((2, 6),),
        kwargs={"dim": 1, "sizes": (3, 2)},
        primitives=("reshape",),
        torch=T("unflatten"),
    ),
    OpSpec("squeeze", am.squeeze, np.squeeze, ((2, 1, 3, 1),), primitives=("reshape",), torch=T("squeeze")),
    OpSpec(
        "squeeze[dim]",
        am.squeeze,
        lambda x, dim: np.squeeze(x, axis=dim),
        ((2, 1, 3, 1),),
        kwargs={"dim": 1},
        primitives=("reshape",),
        torch=T("squeeze"),
    ),
    OpSpec(
        "unsqueeze",
        am.unsqueeze,
        lambda x, dim: np.expand_dims(x, dim),
        kwargs={"dim": -2},
        primitives=("reshape",),
        torch=T("unsqueeze"),
    ),
    OpSpec(
        "permute",
        lambda x: am.permute(x, (2, 0, 1)),
        lambda x: np.transpose(x, (2, 0, 1)),
        ((2, 3, 4),),
        primitives=("permute",),
        torch=lambda torch, x: torch.permute(x, (2, 0, 1)),
    ),
    OpSpec(
        "transpose",
        am.transpose,
        lambda x, dim0, dim1: np.swapaxes(x, dim0, dim1),
        ((2, 3, 4),),
        kwargs={"dim0": 0, "dim1": -1},
        primitives=("permute",),
        torch=T("transpose"),
    ),
    OpSpec(
        "swapaxes",
        lambda x: am.swapaxes(x, 0, 1),
        lambda x: np.swapaxes(x, 0, 1),
        primitives=("permute",),
        torch=lambda torch, x: torch.swapaxes(x, 0, 1),
    ),
    OpSpec(
        "movedim",
        am.movedim,
        lambda x, source, destination: np.moveaxis(x, source, destination),
        ((2, 3, 4),),
        kwargs={"source": 0, "destination": 2},
        primitives=("permute",),
        torch=T("movedim"),
    ),
    OpSpec(
        "expand",
        lambda x: am.expand(x, 2, -1, 4),
        lambda x: np.broadcast_to(x, (2, 3, 4)),
        ((3, 1),),
        primitives=("broadcast_to",),
        torch=lambda torch, x: x.expand(2, -1, 4),
    ),
    OpSpec(
        "broadcast_to",
        lambda x: am.broadcast_to(x, (2, 4, 3)),
        lambda x: np.broadcast_to(x, (2, 4, 3)),
        ((1, 3),),
        primitives=("broadcast_to",),
        torch=lambda torch, x: torch.broadcast_to(x, (2, 4, 3)),
    ),
    OpSpec(
        "sum_to",
        am.sum_to,
        _np_sum_to,
        ((2, 3, 4),),
        kwargs={"shape": (3, 1)},
        primitives=("sum_to",),
        torch=lambda torch, x, shape: x.sum_to_size(shape),
    ),
    OpSpec(
        "repeat",
        lambda x: am.repeat(x, 2, 1, 3),
        lambda x: _np_repeat(x, 2, 1, 3),
        primitives=("broadcast_to", "reshape"),
        torch=lambda torch, x: x.repeat(2, 1, 3),
    ),
    OpSpec(
        "flip",
        am.flip,
        lambda x, dims: np.flip(x, dims),
        ((2, 3, 2),),
        kwargs={"dims": (0, 2)},
        primitives=("flip",),
        torch=T("flip"),
    ),
    OpSpec(
        "cat",
        lambda *xs, dim: am.cat(list(xs), dim=dim),
        lambda *xs, dim: np.concatenate(xs, axis=dim),
        ((2, 1), (2, 3), (2, 2)),
        kwargs={"dim": 1},
        primitives=("concat",),
        torch=lambda torch, *xs, dim: torch.cat(xs, dim=dim),
    ),
    OpSpec(
        "concat",
        lambda *xs, dim: am.concat(list(xs), dim=dim),
        lambda *xs, dim: np.concatenate(xs, axis=dim),
        ((1, 3), (2, 3)),
        kwargs={"dim": 0},
        primitives=("concat",),
        torch=lambda torch, *xs, dim: torch.concat(xs, dim=dim),
    ),
    OpSpec(
        "concatenate",
        lambda *xs, dim: am.concatenate(list(xs), dim=dim),
        lambda *xs, dim: np.concatenate(xs, axis=dim),
        ((2, 2), (2, 3)),
        kwargs={"dim": -1},
        primitives=("concat",),
        torch=lambda torch, *xs, dim: torch.concatenate(xs, dim=dim),
    ),
    OpSpec(
        "stack",
        lambda *xs, dim: am.stack(list(xs), dim=dim),
        lambda *xs, dim: np.stack(xs, axis=dim),
        ((2, 3), (2, 3)),
        kwargs={"dim": 1},
        primitives=("concat", "reshape"),
        torch=lambda torch, *xs, dim: torch.stack(xs, dim=dim),
    ),
    OpSpec(
        "split",
        lambda x: am.split(x, 2, dim=1),
        lambda x: _np_split(x, [2, 2, 1], 1),
        ((2, 5),),
        primitives=("getitem",),
        torch=lambda torch, x: torch.split(x, 2, dim=1),
    ),
    OpSpec(
        "split[sections]",
        lambda x: am.split(x, [1, 3, 1], dim=0),
        lambda x: _np_split(x, [1, 3, 1], 0),
        ((5, 2),),
        primitives=("getitem",),
        torch=lambda torch, x: torch.split(x, [1, 3, 1], dim=0),
    ),
    OpSpec(
        "chunk",
        lambda x: am.chunk(x, 3, dim=-1),
        lambda x: _np_split(x, [2, 2, 1], -1),
        ((2, 5),),
        primitives=("getitem",),
        torch=lambda torch, x: torch.chunk(x, 3, dim=-1),
    ),
    OpSpec(
        "pad",
        am.pad,
        _np_pad,
        ((2, 3),),
        kwargs={"pad": (1, 2, 0, 1), "value": 0.5},
        primitives=("pad",),
        torch=T("nn.functional.pad"),
    ),
    OpSpec(
        "pad[last_dim]",
        am.pad,
        _np_pad,
        ((2, 2, 3),),
        kwargs={"pad": (2, 0)},
        primitives=("pad",),
        torch=T("nn.functional.pad"),
    ),
    # ---------------------------------------------------------------- indexing
    _index_spec("int", 1),
    _index_spec("negative_int", (-1, 2)),
    _index_spec("slices", (slice(0, 2), slice(1, None))),
    _index_spec("step_slices", (slice(None, None, 2), slice(1, None, 2))),
    _index_spec(
        "negative_step",
        (slice(None, None, -1), slice(None, None, -2)),
        torch_index=lambda torch, x: x.flip(0).flip(1)[:, ::2],  # torch refuses negative steps
    ),
    _index_spec("negative_step_partial", (slice(2, 0, -1),), torch_index=lambda torch, x: x[1:3].flip(0)),
    _index_spec("none", (None, slice(None), 1)),
    _index_spec("ellipsis", (Ellipsis, 1), (2, 3, 4)),
    _index_spec("ellipsis_none", (0, Ellipsis, None)),
    _index_spec("bool_mask", MASK_234, (2, 3, 4)),
    _index_spec("row_mask", ROW_MASK_3),
    _index_spec("int_array_repeats", np.array([0, 2, 0, 0])),
    _index_spec("int_list_negative", [-1, 0, -1]),
    _index_spec("int_array_2d", np.array([[0, 1], [2, 0]])),
    _index_spec("pair_arrays", (np.array([0, 2, 2]), np.array([3, 0, 3]))),
    _index_spec("slice_then_array", (slice(1, None), [0, 0, 2])),
    _index_spec("array_slice_array", ([0, 1], slice(None), [2, 2]), (2, 3, 4)),
    _index_spec("int_and_array", ([0, 1, 1], 1), (2, 3, 4)),
    _index_spec("mask_and_slice", (ROW_MASK_3, slice(1, 3))),
    # PyTorch applies integers before advanced indices (NumPy would put the advanced dim first here)
    _index_spec("int_slice_array", (0, slice(None), [0, 1, 1]), (2, 3, 4), ref=lambda x: x[0][:, [0, 1, 1]]),
    _index_spec(
        "none_array_ellipsis_int",
        (None, [1, 1], Ellipsis, 0),
        (2, 3, 4),
        ref=lambda x: x[..., 0][None, [1, 1], ...],
    ),
    OpSpec(
        "getitem[tensor_index]",
        lambda x: x[am.tensor([2, 0, 2])],
        lambda x: x[np.array([2, 0, 2])],
        ((3, 4),),
        primitives=("getitem",),
        torch=lambda torch, x: x[torch.tensor([2, 0, 2])],
    ),
    OpSpec(
        "getitem",
        lambda x: am.getitem(x, (slice(None), 1)),
        lambda x: x[:, 1],
        primitives=("getitem",),
        torch=lambda torch, x: x[:, 1],
    ),
    OpSpec(
        "gather",
        lambda x, dim: am.gather(x, dim, am.tensor(GATHER_INDEX)),
        lambda x, dim: _np_gather(x, dim, GATHER_INDEX),
        ((3, 4),),
        kwargs={"dim": 0},
        primitives=("getitem",),
        torch=lambda torch, x, dim: torch.gather(x, dim, torch.from_numpy(GATHER_INDEX)),
    ),
    OpSpec(
        "gather[dim1]",
        lambda x, dim: am.gather(x, dim, am.tensor(GATHER_INDEX[:2, :3])),
        lambda x, dim: _np_gather(x, dim, GATHER_INDEX[:2, :3]),
        ((2, 4),),
        kwargs={"dim": 1},
        primitives=("getitem",),
        torch=lambda torch, x, dim: torch.gather(x, dim, torch.from_numpy(GATHER_INDEX[:2, :3])),
    ),
    _scatter_spec("basic", (slice(None), slice(1, 3)), (3, 4)),
    _scatter_spec("int", (1,), (3, 4)),
    _scatter_spec("repeats", (np.array([0, 2, 0, 0]),), (3, 4)),
    _scatter_spec("mixed", (np.array([1, 1]), slice(None), np.array([0, 0])), (2, 3, 4)),
    _scatter_spec("mask", (MASK_234,), (2, 3, 4)),
    # ---------------------------------------------------------------- linear algebra
    OpSpec("matmul[1d_1d]", am.matmul, np.matmul, ((4,), (4,)), primitives=("matmul",), torch=T("matmul")),
    OpSpec("matmul[1d_2d]", am.matmul, np.matmul, ((3,), (3, 2)), primitives=("matmul",), torch=T("matmul")),
    OpSpec("matmul[2d_1d]", am.matmul, np.matmul, ((2, 3), (3,)), primitives=("matmul",), torch=T("matmul")),
    OpSpec("matmul[2d_2d]", am.matmul, np.matmul, ((2, 3), (3, 4)), primitives=("matmul",), torch=T("matmul")),
    OpSpec(
        "matmul[batched_broadcast]",
        am.matmul,
        np.matmul,
        ((2, 1, 2, 3), (3, 3, 2)),
        primitives=("matmul",),
        torch=T("matmul"),
    ),
    OpSpec("matmul[3d_1d]", am.matmul, np.matmul, ((2, 2, 3), (3,)), primitives=("matmul",), torch=T("matmul")),
    OpSpec("matmul[1d_3d]", am.matmul, np.matmul, ((2,), (2, 2, 3)), primitives=("matmul",), torch=T("matmul")),
    OpSpec("mm", am.mm, np.matmul, ((2, 3), (3, 2)), primitives=("matmul",), torch=T("mm")),
    OpSpec("bmm", am.bmm, np.matmul, ((2, 2, 3), (2, 3, 2)), primitives=("matmul",), torch=T("bmm")),
    OpSpec("dot", am.dot, np.dot, ((5,), (5,)), primitives=("matmul",), torch=T("dot")),
    OpSpec("outer", am.outer, np.outer, ((3,), (2,)), primitives=("mul",), torch=T("outer")),
    OpSpec(
        "linear[bias]",
        am.linear,
        lambda x, w, b: x @ w.T + b,
        ((4, 3), (2, 3), (2,)),
        primitives=("linear",),
        torch=T("nn.functional.linear"),
    ),
    OpSpec(
        "linear[no_bias_3d]",
        am.linear,
        lambda x, w: x @ w.T,
        ((2, 4, 3), (5, 3)),
        primitives=("matmul",),
        torch=T("nn.functional.linear"),
    ),
    # ---------------------------------------------------------------- windows (conv/pool)
    OpSpec(
        "window_max",
        am.window_max,
        lambda x, k: x.max(axis=tuple(range(-k, 0))),
        ((2, 3, 4, 2, 2),),
        kwargs={"k": 2},
        primitives=("window_max",),
        torch=lambda torch, x, k: x.amax(tuple(range(-k, 0))),
    ),
    OpSpec(
        "window_max[k1]",
        am.window_max,
        lambda x, k: x.max(axis=-1),
        ((3, 5, 3),),
        kwargs={"k": 1},
        primitives=("window_max",),
        torch=lambda torch, x, k: x.amax(-1),
    ),
    OpSpec(
        "sliding_windows",
        am.sliding_windows,
        _np_windows,
        ((1, 2, 4, 5),),
        kwargs={"kernel_size": (2, 2)},
        primitives=("sliding_windows",),
        torch=_torch_windows,
    ),
    OpSpec(
        "sliding_windows[stride_dilation]",
        am.sliding_windows,
        _np_windows,
        ((1, 1, 5, 6),),
        kwargs={"kernel_size": (2, 3), "stride": (2, 1), "dilation": (2, 1)},
        primitives=("sliding_windows",),
        torch=_torch_windows,
    ),
    OpSpec(
        "sliding_windows[1d]",
        am.sliding_windows,
        _np_windows,
        ((2, 7),),
        kwargs={"kernel_size": (3,), "stride": 2},
        primitives=("sliding_windows",),
        torch=_torch_windows,
    ),
    OpSpec(
        "col2im",
        am.col2im,
        _np_col2im,
        ((1, 2, 3, 4, 2, 2),),
        kwargs={"shape": (1, 2, 4, 5), "kernel": (2, 2), "stride": (1, 1), "dilation": (1, 1)},
        primitives=("col2im",),
        torch=_torch_col2im,
    ),
    OpSpec(
        "col2im[stride_dilation]",
        am.col2im,
        _np_col2im,
        ((1, 1, 2, 4, 2, 3),),
        kwargs={"shape": (1, 1, 5, 6), "kernel": (2, 3), "stride": (2, 1), "dilation": (2, 1)},
        primitives=("col2im",),
        torch=_torch_col2im,
    ),
    # ---------------------------------------------------------------- not differentiable: forward only
    *(
        OpSpec(name, getattr(am, name), ref, ((2, 3), (3,)), "int", differentiable=False, torch=T(name))
        for name, ref in [
            ("eq", np.equal),
            ("ne", np.not_equal),
            ("lt", np.less),
            ("le", np.less_equal),
            ("gt", np.greater),
            ("ge", np.greater_equal),
        ]
    ),
    OpSpec("eq[float]", am.eq, np.equal, ((2, 3), (2, 3)), differentiable=False, torch=T("eq")),
    OpSpec(
        "logical_and",
        am.logical_and,
        np.logical_and,
        ((2, 3), (3,)),
        "bool",
        differentiable=False,
        torch=T("logical_and"),
    ),
    OpSpec(
        "logical_or",
        am.logical_or,
        np.logical_or,
        ((2, 3), (2, 1)),
        "bool",
        differentiable=False,
        torch=T("logical_or"),
    ),
    OpSpec(
        "logical_not", am.logical_not, np.logical_not, ((2, 3),), "bool", differentiable=False, torch=T("logical_not")
    ),
    OpSpec("isnan", am.isnan, np.isnan, ((2, 3),), with_specials, differentiable=False, torch=T("isnan")),
    OpSpec("isfinite", am.isfinite, np.isfinite, ((2, 3),), with_specials, differentiable=False, torch=T("isfinite")),
    OpSpec(
        "floor_divide",
        am.floor_divide,
        np.floor_divide,
        ((2, 3), (3,)),
        ("real", "nonzero"),
        differentiable=False,
        torch=T("floor_divide"),
    ),
    OpSpec(
        "floor_divide[int]",
        am.floor_divide,
        np.floor_divide,
        ((2, 3), (3,)),
        ("int", integers(1, 4)),
        differentiable=False,
        torch=T("floor_divide"),
    ),
    OpSpec(
        "div[floor]",
        am.div,
        lambda x, y, rounding_mode: np.floor_divide(x, y),
        ((2, 3), (3,)),
        ("real", "nonzero"),
        kwargs={"rounding_mode": "floor"},
        differentiable=False,
        torch=T("div"),
    ),
    OpSpec(
        "div[trunc]",
        am.div,
        lambda x, y, rounding_mode: np.trunc(x / y),
        ((2, 3), (3,)),
        ("real", "nonzero"),
        kwargs={"rounding_mode": "trunc"},
        differentiable=False,
        torch=T("div"),
    ),
    OpSpec(
        "remainder",
        am.remainder,
        np.remainder,
        ((2, 3), (3,)),
        ("real", "nonzero"),
        differentiable=False,
        torch=T("remainder"),
    ),
    OpSpec("argmax", am.argmax, np.argmax, ((3, 4),), "distinct", differentiable=False, torch=T("argmax")),
    OpSpec(
        "argmax[dim]",
        am.argmax,
        lambda x, dim, keepdim: np.argmax(x, axis=dim, keepdims=keepdim),
        ((3, 4),),
        "distinct",
        kwargs={"dim": 1, "keepdim": True},
        differentiable=False,
        torch=T("argmax"),
    ),
    OpSpec(
        "argmin[dim]",
        am.argmin,
        lambda x, dim: np.argmin(x, axis=dim),
        ((3, 4),),
        "distinct",
        kwargs={"dim": 0},
        differentiable=False,
        torch=T("argmin"),
    ),
    OpSpec(
        "one_hot",
        am.one_hot,
        lambda x, num_classes: (x[..., None] == np.arange(num_classes)).astype(np.int64),
        ((2, 3),),
        integers(0, 4),
        kwargs={"num_classes": 5},
        differentiable=False,
        torch=T("nn.functional.one_hot"),
    ),
]

SPEC_BY_NAME: dict[str, OpSpec] = {spec.name: spec for spec in SPECS}
assert len(SPEC_BY_NAME) == len(SPECS), "spec names must be unique"
