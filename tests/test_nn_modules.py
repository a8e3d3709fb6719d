"""The module system: registration, traversal, modes, hooks, state dicts, containers, repr, dtype casts."""

from __future__ import annotations

import copy
import itertools
from collections import OrderedDict

import numpy as np
import pytest

import autograd_mini as am
import nn
from autograd_mini import Tensor


class TwoLayer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.scale = nn.Parameter(am.ones(1))
        self.register_buffer("steps", am.zeros(1))
        self.register_buffer("cache", am.zeros(2), persistent=False)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(4, 2)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc2(self.act(self.fc1(x))) * self.scale


def mlp(*sizes: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    for a, b in itertools.pairwise(sizes):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


# ----------------------------------------------------------------------------------------- Parameter
def test_parameter_is_a_leaf_tensor_that_requires_grad() -> None:
    data = am.tensor([1.0, 2.0])
    p = nn.Parameter(data)
    assert isinstance(p, Tensor) and isinstance(p, nn.Parameter)
    assert p.requires_grad and p.is_leaf and p.grad_fn is None
    assert p.data is data.data  # shares storage, as torch.nn.Parameter does
    assert not nn.Parameter(data, requires_grad=False).requires_grad
    assert nn.Parameter().shape == (0,)


def test_ops_on_parameters_return_plain_tensors_and_backprop() -> None:
    p = nn.Parameter(am.tensor([1.0, -2.0, 3.0]))
    out = (p * p).sum()
    assert type(out) is Tensor and type(p + 1) is Tensor and type(p[0]) is Tensor and type(p.detach()) is Tensor
    out.backward()
    np.testing.assert_allclose(p.grad.data, [2.0, -4.0, 6.0])


def test_parameter_repr() -> None:
    assert repr(nn.Parameter(am.ones(2))) == "Parameter containing:\ntensor([1., 1.], requires_grad=True)"


# ----------------------------------------------------------------------------------------- registration
def test_registration_order_and_dotted_names() -> None:
    model = TwoLayer()
    assert [n for n, _ in model.named_parameters()] == ["scale", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert [n for n, _ in model.named_buffers()] == ["steps", "cache"]
    assert [n for n, _ in model.named_children()] == ["fc1", "act", "fc2"]
    assert [n for n, _ in model.named_modules()] == ["", "fc1", "act", "fc2"]
    assert next(iter(model.children())) is model.fc1
    assert len(list(model.modules())) == 4
    assert [n for n, _ in model.named_parameters(recurse=False)] == ["scale"]
    assert next(n for n, _ in model.named_parameters(prefix="net")) == "net.scale"


def test_shared_parameters_and_modules_listed_once() -> None:
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias"]
    assert len(list(model.named_modules())) == 3
    assert len(list(model.named_parameters(remove_duplicate=False))) == 4
    assert nn.count_parameters(model) == 6


def test_lecture_mlps_parameter_counts() -> None:
    assert nn.count_parameters(mlp(3, 4, 2)) == 26
    assert nn.count_parameters(mlp(3, 4, 4, 1)) == 41
    frozen = mlp(3, 4, 2)
    frozen[0].requires_grad_(False)
    assert nn.count_parameters(frozen, only_trainable=True) == 10


def test_setattr_rules() -> None:
    model = TwoLayer()
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'scale'"):
        model.scale = am.ones(1)
    model.scale = None
    assert "scale" not in dict(model.named_parameters())
    with pytest.raises(TypeError, match="cannot assign 'int' as child module 'fc1'"):
        model.fc1 = 3
    with pytest.raises(TypeError, match="buffer 'steps'"):
        model.steps = 3
    model.steps = am.ones(1)
    assert model.state_dict()["steps"].item() == 1
    model.fc1 = nn.Parameter(am.ones(2))  # a name moves from modules to parameters
    assert "fc1" not in dict(model.named_children()) and "fc1" in dict(model.named_parameters())
    model.plain = 5
    assert model.plain == 5 and "plain" not in dict(model.named_parameters())


def test_register_errors_and_getattr_message() -> None:
    model = nn.Linear(2, 2)
    with pytest.raises(KeyError, match="contain"):
        model.register_buffer("a.b", am.zeros(1))
    with pytest.raises(KeyError, match="already exists"):
        model.register_buffer("in_features", am.zeros(1))
    with pytest.raises(TypeError, match=r"nn\.Parameter or None required"):
        model.register_parameter("w2", am.zeros(1))  # type: ignore[arg-type]
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'nope'"):
        _ = model.nope

    class Early(nn.Module):
        def __init__(self) -> None:
            self.w = nn.Parameter(am.ones(1))

    with pytest.raises(AttributeError, match=r"before Module.__init__\(\) call"):
        Early()


def test_delattr_and_get_submodule() -> None:
    model = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Linear(3, 1)))
    assert model.get_submodule("1.1") is model[1][1]
    with pytest.raises(AttributeError):
        model.get_submodule("1.5")
    layer = nn.Linear(2, 2)
    del layer.bias
    assert [n for n, _ in layer.named_parameters()] == ["weight"]


def test_forward_missing() -> None:
    with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
        nn.Module()(am.ones(1))


# ----------------------------------------------------------------------------------------- modes and bulk ops
def test_train_eval_propagate() -> None:
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(), nn.BatchNorm1d(2)))
    assert model.training
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        model.train("yes")  # type: ignore[arg-type]


def test_zero_grad_and_requires_grad() -> None:
    model = TwoLayer()
    model(am.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.data.any() for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())


def test_apply_visits_children_first() -> None:
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Linear(2, 2)))
    seen: list[str] = []
    model.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "Linear", "Sequential", "Sequential"]

    def init_weights(m: nn.Module) -> None:
        if isinstance(m, nn.Linear):
            nn.init.ones_(m.weight)

    model.apply(init_weights)
    assert model[0].weight.data.tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_to_double_casts_floating_parameters_buffers_and_grads() -> None:
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    model(am.randn(4, 3)).sum().backward()
    weight = model[0].weight
    assert model.double() is model
    assert model[0].weight is weight  # the same Parameter objects, as in PyTorch
    assert all(p.dtype == np.float64 for p in model.parameters())
    assert weight.grad is not None and weight.grad.dtype == np.float64
    assert model[1].running_mean.dtype == np.float64
    assert model[1].num_batches_tracked.dtype == np.int64
    assert model(am.randn(4, 3, dtype=am.float64)).dtype == np.float64
    model.float()
    assert all(p.dtype == np.float32 for p in model.parameters())
    model.to(am.float64)
    assert model[0].bias.dtype == np.float64
    assert model.to("cpu") is model


def test_deepcopy_gives_independent_parameters() -> None:
    model = TwoLayer()
    clone = copy.deepcopy(model)
    assert isinstance(clone.fc1.weight, nn.Parameter)
    assert clone.fc1.weight is not model.fc1.weight
    np.testing.assert_array_equal(clone.fc1.weight.data, model.fc1.weight.data)
    with am.no_grad():
        clone.fc1.weight[...] = 0.0
    assert model.fc1.weight.data.any()


# ----------------------------------------------------------------------------------------- hooks
def test_forward_hooks_modify_and_remove() -> None:
    layer = nn.Linear(2, 2)
    calls: list[str] = []
    pre = layer.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    post = layer.register_forward_hook(lambda m, args, out: calls.append("post") or out + 1)
    first = layer.register_forward_hook(lambda m, args, out: calls.append("first"), prepend=True)
    out = layer(am.randn(3, 2))
    np.testing.assert_allclose(out.data, np.broadcast_to(layer.bias.data + 1, (3, 2)), rtol=1e-6)
    assert calls == ["first", "post"]
    pre.remove()
    post.remove()
    first.remove()
    pre.remove()  # a second remove is harmless
    x = am.randn(3, 2)
    np.testing.assert_allclose(layer(x).data, (x @ layer.weight.T + layer.bias).data, rtol=1e-6)
    with layer.register_forward_pre_hook(lambda m, args: calls.append("ctx")):
        layer(x)
    layer(x)
    assert calls.count("ctx") == 1


def test_hooks_capture_activations() -> None:
    model = mlp(3, 4, 2)
    captured: dict[str, tuple[int, ...]] = {}
    for name, module in model.named_children():
        module.register_forward_hook(lambda m, a, o, name=name: captured.__setitem__(name, o.shape))
    model(am.randn(5, 3))
    assert captured == {"0": (5, 4), "1": (5, 4), "2": (5, 2)}


# ----------------------------------------------------------------------------------------- state dicts
def test_state_dict_keys_and_persistence() -> None:
    model = TwoLayer()
    state = model.state_dict()
    assert isinstance(state, OrderedDict)
    assert list(state) == ["scale", "steps", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert not state["scale"].requires_grad and state["scale"].data is model.scale.data
    assert model.state_dict(keep_vars=True)["scale"] is model.scale
    bn = nn.BatchNorm2d(3)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert bn.state_dict()["num_batches_tracked"].dtype == np.int64


def test_load_state_dict_round_trip() -> None:
    am.manual_seed(0)
    source, target = TwoLayer(), TwoLayer()
    x = am.randn(4, 3)
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    np.testing.assert_array_equal(target(x).data, source(x).data)
    version = target.fc1.weight._version
    target.load_state_dict({k: v.data * 2 for k, v in source.state_dict().items()})  # arrays are accepted
    assert target.fc1.weight._version > version
    np.testing.assert_allclose(target.fc1.weight.data, source.fc1.weight.data * 2)


def test_load_state_dict_strict_errors() -> None:
    layer = nn.Linear(3, 4)
    with pytest.raises(RuntimeError) as info:
        layer.load_state_dict({"weight": am.zeros(4, 3), "extra": am.zeros(1)})
    assert str(info.value) == (
        'Error(s) in loading state_dict for Linear:\n\tMissing key(s) in state_dict: "bias". '
        '\n\tUnexpected key(s) in state_dict: "extra". '
    )
    with pytest.raises(RuntimeError) as info:
        layer.load_state_dict({"weight": am.zeros(4, 2), "bias": am.zeros(4)})
    assert str(info.value) == (
        "Error(s) in loading state_dict for Linear:\n\tsize mismatch for weight: copying a param with shape "
        "[4, 2] from checkpoint, the shape in current model is [4, 3]."
    )
    result = layer.load_state_dict({"weight": am.ones(4, 3), "extra": am.zeros(1)}, strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["extra"]
    assert layer.weight.data.tolist() == [[1.0] * 3] * 4
    nested = nn.Sequential(nn.Linear(1, 1))
    result = nested.load_state_dict(
        {"0.weight": am.ones(1, 1), "0.bias": am.ones(1), "0.junk": am.ones(1)}, strict=False
    )
    assert result.unexpected_keys == ["0.junk"]


def test_batchnorm_state_without_num_batches_tracked_loads() -> None:
    bn = nn.BatchNorm1d(2)
    state = {k: v for k, v in bn.state_dict().items() if k != "num_batches_tracked"}
    assert bn.load_state_dict(state).missing_keys == []


# ----------------------------------------------------------------------------------------- repr
def test_repr_matches_pytorch() -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Sequential(nn.Linear(4, 4), nn.Tanh()), nn.Linear(4, 1))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=3, out_features=4, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Sequential(\n"
        "    (0): Linear(in_features=4, out_features=4, bias=True)\n"
        "    (1): Tanh()\n"
        "  )\n"
        "  (3): Linear(in_features=4, out_features=1, bias=True)\n"
        ")"
    )
    assert repr(nn.Module()) == "Module()"
    blocks = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU()])
    assert repr(blocks) == (
        "ModuleList(\n  (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)\n  (3): ReLU()\n)"
    )
    assert repr(nn.ModuleList()) == "ModuleList()"


# ----------------------------------------------------------------------------------------- containers
def test_sequential_container_operations() -> None:
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    seq = nn.Sequential(a, b, c)
    assert len(seq) == 3 and seq[0] is a and seq[-1] is c
    assert list(seq) == [a, b, c]
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and list(head) == [a, b]
    assert head(am.randn(4, 2)).shape == (4, 3)
    seq.append(nn.Sigmoid())
    assert len(seq) == 4 and isinstance(seq[3], nn.Sigmoid)
    del seq[1]
    assert [n for n, _ in seq.named_children()] == ["0", "1", "2"] and seq[1] is c
    seq.insert(1, b)
    assert seq[1] is b and len(seq) == 4
    seq[3] = nn.Tanh()
    assert isinstance(seq[3], nn.Tanh)
    with pytest.raises(IndexError, match="index 9 is out of range"):
        seq[9]
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert [n for n, _ in named.named_parameters()] == ["fc.weight", "fc.bias"]
    assert named.fc is named[0]


def test_module_list_and_dict() -> None:
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(2)])
    layers.append(nn.Linear(2, 1))
    layers += [nn.ReLU()]
    assert len(layers) == 4 and [n for n, _ in layers.named_parameters()][-1] == "2.bias"
    assert isinstance(layers[1:], nn.ModuleList) and len(layers[1:]) == 3
    layers.insert(0, nn.Tanh())
    assert isinstance(layers[0], nn.Tanh) and len(layers) == 5
    table = nn.ModuleDict({"enc": nn.Linear(2, 3), "dec": nn.Linear(3, 2)})
    assert list(table) == ["enc", "dec"] and "enc" in table and len(table) == 2
    assert [n for n, _ in table.named_parameters()] == ["enc.weight", "enc.bias", "dec.weight", "dec.bias"]
    table["act"] = nn.ReLU()
    assert list(table.keys()) == ["enc", "dec", "act"]
    assert isinstance(table.pop("act"), nn.ReLU) and len(table) == 2
    copied = nn.ModuleDict(table)
    assert list(copied.keys()) == ["enc", "dec"] and copied["enc"] is table["enc"]
    assert list(nn.ModuleDict([("a", nn.ReLU())])) == ["a"]


def test_identity_flatten_unflatten() -> None:
    x = am.randn(2, 3, 4, 5)
    assert nn.Identity(54, unused=True)(x) is x
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 2)(x).shape == (24, 5)
    assert nn.Unflatten(1, (3, 20))(nn.Flatten()(x)).shape == (2, 3, 20)
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    assert repr(nn.Unflatten(1, (2, 3))) == "Unflatten(dim=1, unflattened_size=(2, 3))"
