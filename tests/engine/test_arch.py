"""The architecture explorer: totals equal torchvision's published counts, shapes follow the formula."""

import pytest

from dltui import cli
from dltui.engine import Tensor, nn
from dltui.engine.arch import NETWORKS, alexnet_puzzle, architecture, format_table, out_size

REFERENCE = {  # torchvision's num_params (GoogLeNet: the pretrained model, without aux classifiers)
    "lenet5": 61_706,
    "alexnet": 61_100_840,
    "vgg16": 138_357_544,
    "googlenet": 6_624_904,
    "resnet18": 11_689_512,
    "resnet34": 21_797_672,
    "resnet50": 25_557_032,
    "googlenetaux": 13_004_888,  # torchvision googlenet(aux_logits=True)
    "nin": 1_992_166,  # d2l's NiN (no torchvision model): counted from the torch layers in test_arch_more.py
    "densenet121": 7_978_856,
    "mobilenetv2": 3_504_872,
}


@pytest.mark.parametrize("name", NETWORKS)
def test_totals_equal_the_reference_counts(name):
    a = architecture(name)
    assert a.total == REFERENCE[name]
    assert sum(row.params for row in a.blocks()) == a.total
    assert a.layers[-1].shape == ((10,) if name in ("lenet5", "nin") else (1000,))
    assert f"total parameters: {REFERENCE[name]:,}" in format_table(name)


def test_known_intermediate_shapes():
    def shape_of(net, layer):
        return next(l.shape for l in architecture(net).blocks() if l.name == layer)

    assert shape_of("alexnet", "conv1") == (64, 55, 55) and shape_of("alexnet", "pool5") == (256, 6, 6)
    assert shape_of("vgg16", "pool5") == (512, 7, 7)
    assert shape_of("googlenet", "maxpool1") == (64, 56, 56) and shape_of("googlenet", "inception3a") == (256, 28, 28)
    assert shape_of("googlenet", "inception5b") == (1024, 7, 7)
    assert shape_of("resnet50", "layer4.2") == (2048, 7, 7) and shape_of("resnet18", "layer2.0") == (128, 28, 28)


def test_lenet_table_matches_the_engine_model():
    model = nn.Sequential(nn.Conv2d(1, 6, 5), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10))
    table = architecture("lenet5").layers
    x = Tensor([[[[0.0] * 32] * 32]])
    for module, row in zip(model, table):
        x = module(x)
        assert x.shape[1:] == row.shape
        assert sum(p.data.size for p in module.parameters()) == row.params


def test_out_size_floor_ceil_and_refusal():
    assert out_size(224, 11, 4, 2) == 55 and out_size(224, 11, 4) == 54 and out_size(227, 11, 4) == 55
    assert out_size(112, 3, 2, ceil=True) == 56 and out_size(112, 3, 2) == 55
    assert out_size(5, 2, 2, 0, ceil=True) == 3 and out_size(4, 2, 2, 1, ceil=True) == 3
    with pytest.raises(ValueError, match="does not fit"):
        out_size(4, 6, 1)


def test_the_alexnet_puzzle_is_worked_out():
    text = alexnet_puzzle()
    assert "⌊53.25⌋ + 1 = 54" in text and "⌊54⌋ + 1 = 55" in text and "⌊54.25⌋ + 1 = 55" in text


def test_unknown_names_and_the_cli(capsys):
    with pytest.raises(KeyError, match="resnet18"):
        architecture("resnet19")
    assert architecture("ResNet-50").name == "resnet50"
    assert cli.main(["arch", "vgg16"]) == 0
    assert "138,357,544" in capsys.readouterr().out
    assert cli.main(["arch", "nope"]) == 2
    assert "unknown architecture" in capsys.readouterr().err


def test_out_size_matches_torch_pooling_including_ceil_mode():
    torch = pytest.importorskip("torch")
    for w in range(1, 12):
        for k, s, p in [(2, 2, 0), (3, 2, 0), (3, 2, 1), (2, 2, 1), (3, 1, 1), (4, 3, 2), (5, 4, 2)]:
            if k > w + 2 * p:
                continue
            for ceil in (False, True):
                expected = torch.nn.MaxPool2d(k, s, p, ceil_mode=ceil)(torch.zeros(1, 1, w, w)).shape[-1]
                assert out_size(w, k, s, p, ceil) == expected, (w, k, s, p, ceil)
