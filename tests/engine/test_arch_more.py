"""The explorer's later networks (NiN, DenseNet-121, MobileNetV2, GoogLeNet's auxiliary heads) against the same
networks built from torch.nn layers as torchvision (or d2l, for NiN) builds them: parameter counts, and the shapes a
forward pass gives. Without torch the formulas are still checked by hand."""

from __future__ import annotations

import re

import pytest

from dltui.engine.arch import architecture, format_table


def rows(name: str) -> dict[str, tuple[int, ...]]:
    return {layer.name: layer.shape for layer in architecture(name).blocks()}


def params_of(name: str, prefix: str) -> int:
    return sum(layer.params for layer in architecture(name).layers if layer.name.startswith(prefix))


def test_dense_blocks_add_k_channels_per_layer_and_transitions_halve_them():
    shapes, channels = rows("densenet121"), 64
    for stage, layers in enumerate((6, 12, 24, 16), 1):
        channels += layers * 32  # k₀ + L·k
        assert shapes[f"denseblock{stage}"][0] == channels
        if stage < 4:
            channels //= 2
            assert shapes[f"transition{stage}"][0] == channels
    assert shapes["denseblock4"] == (1024, 7, 7)
    convs = [l for l in architecture("densenet121").layers if l.kind.startswith("conv") or l.kind.startswith("linear")]
    assert len(convs) == 121  # 1 + 2·58 + 3 transitions + the classifier: the 121 of its name


def test_the_auxiliary_heads_add_what_the_formula_says():
    def head(c: int) -> int:  # 1×1 conv to 128 without bias + its batch norm, fc 128·4·4 → 1024, fc 1024 → 1000
        return c * 128 + 2 * 128 + (128 * 16 * 1024 + 1024) + (1024 * 1000 + 1000)

    assert params_of("googlenetaux", "aux1") == head(512) == 3_188_968
    assert params_of("googlenetaux", "aux2") == head(528) == 3_191_016
    assert architecture("googlenetaux").total - architecture("googlenet").total == head(512) + head(528)
    note = architecture("googlenetaux").note
    assert f"{head(512):,} + {head(528):,} = {head(512) + head(528):,}" in note
    assert rows("googlenetaux")["inception4b"] == rows("googlenet")["inception4b"]  # the main path goes on


def test_the_notes_state_computed_numbers():
    alexnet_fc = sum(l.params for l in architecture("alexnet").layers if l.kind.startswith("linear"))
    assert f"{params_of('nin', 'nin4'):,}" in architecture("nin").note and f"{alexnet_fc:,}" in architecture("nin").note
    assert "LRN" in architecture("alexnet").note and "overlapping" in architecture("alexnet").note
    assert "64 + 6·32 = 256" in architecture("densenet121").note
    for name in ("nin", "densenet121", "mobilenetv2", "googlenetaux"):
        assert re.search(r"total parameters: [\d,]+", format_table(name))


def test_depthwise_layers_have_one_filter_per_channel():
    depthwise = [l for l in architecture("mobilenetv2").layers if l.kind.startswith("depthwise")]
    assert len(depthwise) == 17
    assert all(l.params == l.input_shape[0] * 9 and l.shape[0] == l.input_shape[0] for l in depthwise)
    assert rows("mobilenetv2")["block17"] == (320, 7, 7)


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def count(module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_nin_equals_d2l_built_in_torch(torch):
    nn = torch.nn

    def block(c, out, k, s, p):
        return nn.Sequential(nn.Conv2d(c, out, k, s, p), nn.ReLU(), nn.Conv2d(out, out, 1), nn.ReLU(),
                             nn.Conv2d(out, out, 1), nn.ReLU())

    net = nn.Sequential(block(1, 96, 11, 4, 0), nn.MaxPool2d(3, 2), block(96, 256, 5, 1, 2), nn.MaxPool2d(3, 2),
                        block(256, 384, 3, 1, 1), nn.MaxPool2d(3, 2), nn.Dropout(0.5), block(384, 10, 3, 1, 1),
                        nn.AdaptiveAvgPool2d(1), nn.Flatten())
    assert count(net) == architecture("nin").total
    x, shapes = torch.zeros(1, 1, 224, 224), rows("nin")
    with torch.no_grad():
        for module, name in zip(net, ["nin1", "pool1", "nin2", "pool2", "nin3", "pool3", None, "nin4", "avgpool",
                                      "flatten"]):
            x = module(x)
            if name:
                assert tuple(x.shape[1:]) == shapes[name], name


def test_densenet121_equals_torchvisions_layers(torch):
    nn = torch.nn

    def dense_layer(c):
        return [nn.BatchNorm2d(c), nn.Conv2d(c, 128, 1, bias=False), nn.BatchNorm2d(128),
                nn.Conv2d(128, 32, 3, padding=1, bias=False)]

    modules, c = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64)], 64
    for stage, layers in enumerate((6, 12, 24, 16), 1):
        for _ in range(layers):
            modules += dense_layer(c)
            c += 32
        if stage < 4:
            modules += [nn.BatchNorm2d(c), nn.Conv2d(c, c // 2, 1, bias=False)]
            c //= 2
    modules += [nn.BatchNorm2d(c), nn.Linear(c, 1000)]
    assert count(nn.ModuleList(modules)) == architecture("densenet121").total == 7_978_856


def test_mobilenet_v2_equals_torchvisions_layers_and_shapes(torch):
    nn = torch.nn

    class Block(nn.Module):
        def __init__(self, c, out, t, s):
            super().__init__()
            hidden = c * t
            layers = [nn.Conv2d(c, hidden, 1, bias=False), nn.BatchNorm2d(hidden), nn.ReLU6()] if t != 1 else []
            layers += [nn.Conv2d(hidden, hidden, 3, s, 1, groups=hidden, bias=False), nn.BatchNorm2d(hidden),
                       nn.ReLU6(), nn.Conv2d(hidden, out, 1, bias=False), nn.BatchNorm2d(out)]
            self.body, self.shortcut = nn.Sequential(*layers), s == 1 and c == out

        def forward(self, x):
            return x + self.body(x) if self.shortcut else self.body(x)

    blocks, c = [], 32
    for t, out, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
                         (6, 320, 1, 1)]:
        for i in range(n):
            blocks.append(Block(c, out, t, s if i == 0 else 1))
            c = out
    stem = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU6())
    head = nn.Sequential(nn.Conv2d(320, 1280, 1, bias=False), nn.BatchNorm2d(1280), nn.ReLU6(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(1280, 1000))
    net = nn.Sequential(stem, *blocks, head).eval()
    assert count(net) == architecture("mobilenetv2").total == 3_504_872
    x, shapes = torch.zeros(1, 3, 224, 224), rows("mobilenetv2")
    with torch.no_grad():
        x = stem(x)
        for i, block in enumerate(blocks, 1):
            x = block(x)
            assert tuple(x.shape[1:]) == shapes[f"block{i}"], i


def test_the_explorer_counts_the_papers_transformer_as_the_lab_and_torch_do():
    """`dltui arch transformer`: the parts add up to the total, and the layers to torch.nn.Transformer's count."""
    from dltui.engine.arch import PAPER, format_table, parameter_breakdown

    table = format_table("transformer")
    parts = parameter_breakdown(PAPER)
    assert f"total parameters: {sum(parts.values()):,}" in table
    assert f"layers alone: {parts['encoder'] + parts['decoder']:,}" in table
    torch = pytest.importorskip("torch")
    with torch.device("meta"):
        model = torch.nn.Transformer(d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
                                     dim_feedforward=2048)
    assert parts["encoder"] + parts["decoder"] == sum(p.numel() for p in model.parameters())
    assert max(map(len, table.splitlines())) <= 80  # a terminal of 80 columns
