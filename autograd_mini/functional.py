"""Every differentiable function of the engine in one namespace (``autograd_mini.functional``).

This is also the namespace the Tensor methods call into.
"""

from __future__ import annotations

from .composites import (
    elu,
    exp2,
    gelu,
    hardtanh,
    leaky_relu,
    logsigmoid,
    masked_fill,
    mish,
    reciprocal,
    rsqrt,
    silu,
    softsign,
    sqrt,
    square,
    swish,
    xlogy,
)
from .factories import as_tensor
from .ops import extrema as _extrema
from .ops import reduce as _reduce
from .ops.activation import (
    erf,
    relu,
    relu_backward,
    sigmoid,
    sigmoid_backward,
    softplus,
    tanh,
    tanh_backward,
)
from .ops.broadcast import broadcast_to, cast, sum_to
from .ops.compare import (
    allclose,
    eq,
    equal,
    floor_divide,
    ge,
    gt,
    isfinite,
    isnan,
    le,
    logical_and,
    logical_not,
    logical_or,
    lt,
    ne,
    remainder,
)
from .ops.elementwise import (
    abs,
    add,
    clamp,
    clip,
    clone,
    cos,
    div,
    exp,
    expm1,
    log,
    log1p,
    maximum,
    minimum,
    mul,
    neg,
    pow,
    sign,
    sin,
    sub,
    where,
)
from .ops.extrema import amax, amin
from .ops.foreach import foreach_add_
from .ops.indexing import gather, getitem, index_scatter, one_hot
from .ops.inplace import inplace, inplace_ufunc, setitem_
from .ops.linalg import bmm, dot, linear, matmul, mm, outer
from .ops.losses import softmax_cross_entropy
from .ops.numpy_names import accepts_numpy_names
from .ops.reduce import mean, prod_except, std, sum, var
from .ops.shape import (
    cat,
    chunk,
    concat,
    concatenate,
    expand,
    flatten,
    flip,
    movedim,
    pad,
    permute,
    repeat,
    reshape,
    split,
    squeeze,
    stack,
    swapaxes,
    transpose,
    unflatten,
    unsqueeze,
    view,
)
from .ops.window import col2im, sliding_windows, window_max

# PyTorch spells these dim/keepdim; NumPy users may write axis/keepdims (sum, mean, var, std,
# amax and amin take both natively).
argmax = accepts_numpy_names(_extrema.argmax)
argmin = accepts_numpy_names(_extrema.argmin)
cumsum = accepts_numpy_names(_reduce.cumsum)
log_softmax = accepts_numpy_names(_reduce.log_softmax)
logsumexp = accepts_numpy_names(_reduce.logsumexp)
max = accepts_numpy_names(_extrema.max)
min = accepts_numpy_names(_extrema.min)
norm = accepts_numpy_names(_reduce.norm)
prod = accepts_numpy_names(_reduce.prod)
softmax = accepts_numpy_names(_reduce.softmax)

__all__ = [
    "abs", "add", "allclose", "amax", "amin", "argmax", "argmin", "as_tensor", "bmm", "broadcast_to", "cast",
    "cat", "chunk", "clamp", "clip", "clone", "col2im", "concat", "concatenate", "cos", "cumsum", "div", "dot",
    "elu", "eq", "equal", "erf", "exp", "exp2", "expand", "expm1", "flatten", "foreach_add_", "flip", "floor_divide", "gather",
    "ge", "gelu", "getitem", "gt", "hardtanh", "index_scatter", "inplace", "inplace_ufunc", "isfinite", "isnan", "le",
    "leaky_relu", "linear", "log", "log1p", "log_softmax", "logical_and", "logical_not", "logical_or", "logsigmoid",
    "logsumexp", "lt", "masked_fill", "matmul", "max", "maximum", "mean", "min", "minimum", "mish", "mm",
    "movedim", "mul", "ne", "neg", "norm", "one_hot", "outer", "pad", "permute", "pow", "prod", "prod_except",
    "reciprocal", "relu", "relu_backward", "remainder", "repeat", "reshape", "rsqrt", "setitem_", "sigmoid", "sigmoid_backward", "sign", "silu",
    "sin", "sliding_windows", "softmax", "softmax_cross_entropy", "softplus", "softsign", "split", "sqrt", "square", "squeeze", "stack",
    "std", "sub", "sum", "sum_to", "swapaxes", "swish", "tanh", "tanh_backward", "transpose", "unflatten", "unsqueeze", "var",
    "view", "where", "window_max", "xlogy",
]  # fmt: skip
