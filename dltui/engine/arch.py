"""Architecture explorer: per-layer output shapes and parameter counts of classic CNNs.

Shape arithmetic only: no weights are allocated, so VGG-16's 138 M parameters cost nothing.
Each network is written layer by layer as torchvision builds it (LeNet-5 as in the 1998 paper
with a fully connected C3), so the totals equal torchvision's published counts to the unit.
Batch-norm layers count their weight and bias; their running statistics are buffers, not
parameters, exactly as `sum(p.numel() for p in model.parameters())` counts them.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field

from dltui.i18n import _
from dltui.text import cells, left, right


def out_size(size: int, k: int, s: int = 1, p: int = 0, ceil: bool = False) -> int:
    """⌊(W + 2P − K)/S⌋ + 1 (⌈…⌉ with `ceil`), refusing sizes PyTorch refuses, with the reason."""
    if k > size + 2 * p:
        raise ValueError(_("the {k}-wide window does not fit in the {size}-wide input padded to {padded}").format(
            k=k, size=size, padded=size + 2 * p))
    steps = (size + 2 * p - k) / s
    n = (math.ceil(steps) if ceil else math.floor(steps)) + 1
    if ceil and (n - 1) * s >= size + p:  # PyTorch drops a last window that starts in the right padding
        n -= 1
    return n


@dataclass(frozen=True)
class Layer:
    """One layer: what it is, the shape it outputs (C, H, W) or (features,), its parameters."""

    name: str
    kind: str
    shape: tuple[int, ...]
    params: int
    block: str = ""  # the residual block or inception module it belongs to
    input_shape: tuple[int, ...] = ()


@dataclass
class Architecture:
    name: str
    title: str
    input_shape: tuple[int, ...]
    layers: list[Layer] = field(default_factory=list)
    block_kinds: dict[str, str] = field(default_factory=dict)  # block name → what it is
    note: str = ""

    @property
    def total(self) -> int:
        return sum(layer.params for layer in self.layers)

    def blocks(self) -> list[Layer]:
        """Layers with each block collapsed into one row (its output: the block's last layer's)."""
        rows: list[Layer] = []
        for layer in self.layers:
            if layer.block and rows and rows[-1].name == layer.block:
                last = rows[-1]
                rows[-1] = Layer(last.name, last.kind, layer.shape, last.params + layer.params, "", last.input_shape)
            elif layer.block:
                rows.append(Layer(layer.block, self.block_kinds[layer.block], layer.shape, layer.params, "",
                                  layer.input_shape))
            else:
                rows.append(layer)
        return rows


class _Builder:
    """Tracks the current shape while layers are appended, so each layer's numbers follow from
    the previous one's by the formulas, never typed in."""

    def __init__(self, arch: Architecture) -> None:
        self.arch, self.shape, self.block = arch, arch.input_shape, ""

    def add(self, name: str, kind: str, shape: tuple[int, ...], params: int) -> None:
        self.arch.layers.append(Layer(name, kind, shape, params, self.block, self.shape))
        self.shape = shape

    def conv(self, name: str, out: int, k: int, s: int = 1, p: int = 0, bias: bool = True, bn: bool = False) -> None:
        c, h, w = self.shape
        shape = (out, out_size(h, k, s, p), out_size(w, k, s, p))
        self.add(name, f"conv {k}×{k}" + (f"/{s}" if s > 1 else "") + (f" pad {p}" if p else ""), shape,
                 c * out * k * k + (out if bias else 0))
        if bn:
            self.add(name + ".bn", "batch norm", shape, 2 * out)

    def pool(self, name: str, k: int, s: int, p: int = 0, ceil: bool = False, kind: str = "max pool") -> None:
        c, h, w = self.shape
        self.add(name, f"{kind} {k}×{k}/{s}" + (f" pad {p}" if p else "") + (" ceil" if ceil else ""),
                 (c, out_size(h, k, s, p, ceil), out_size(w, k, s, p, ceil)), 0)

    def norm(self, name: str) -> None:
        """A batch norm on its own (DenseNet normalises before each conv): weight and bias per channel."""
        self.add(name, "batch norm", self.shape, 2 * self.shape[0])

    def depthwise(self, name: str, k: int, s: int = 1, p: int = 0) -> None:
        """A depthwise conv (groups = channels): one k×k filter per channel, no bias, then batch norm."""
        c, h, w = self.shape
        shape = (c, out_size(h, k, s, p), out_size(w, k, s, p))
        self.add(name, f"depthwise {k}×{k}" + (f"/{s}" if s > 1 else ""), shape, c * k * k)
        self.add(name + ".bn", "batch norm", shape, 2 * c)

    def adaptive(self, name: str, size: int) -> None:
        self.add(name, f"adaptive avg pool → {size}×{size}", (self.shape[0], size, size), 0)

    def flatten(self) -> None:
        self.add("flatten", "flatten", (math.prod(self.shape),), 0)

    def linear(self, name: str, out: int) -> None:
        self.add(name, f"linear {self.shape[0]}→{out}", (out,), self.shape[0] * out + out)


def lenet5() -> Architecture:
    a = Architecture("lenet5", "LeNet-5 ({about})".format(about=_("LeCun et al., 1998; C3 fully connected")), (1, 32, 32))
    b = _Builder(a)
    b.conv("C1", 6, 5)
    b.pool("S2", 2, 2)
    b.conv("C3", 16, 5)
    b.pool("S4", 2, 2)
    b.flatten()
    b.linear("C5", 120)
    b.linear("F6", 84)
    b.linear("output", 10)
    a.note = _("Here C3 is fully connected: 16·6·25 + 16 = 2,416 parameters, 61,706 in all. The paper joins each "
               "C3 map to only some of S2's 6 maps (60 of the 96 pairs: 60·25 + 16 = 1,516), and its S2/S4 are "
               "trainable averages where this lab uses max pooling. C5 is a 5×5 conv on a 5×5 input: the same "
               "thing as a linear layer on the 400 flattened values.")
    return a


def alexnet_puzzle() -> str:
    """Why AlexNet's input is quoted as both 224 and 227, from the output-size formula."""
    sizes = [(224, 0), (227, 0), (224, 2)]
    lines = [f"W={w}, P={p}: ⌊({w} + 2·{p} − 11)/4⌋ + 1 = ⌊{(w + 2 * p - 11) / 4:g}⌋ + 1 = {out_size(w, 11, 4, p)}"
             for w, p in sizes]
    return _("The paper says 224×224 input, 11×11 kernels with stride 4, and a 55×55 first layer. {formulas}. "
             "Without padding only 227 gives a whole number of strides and 55; torchvision keeps 224 and pads by 2 "
             "(its 64-kernel conv1 then also gives 55).").format(formulas="; ".join(lines))


def alexnet() -> Architecture:
    a = Architecture("alexnet", "AlexNet ({about})".format(
        about=_("Krizhevsky et al., 2012; torchvision's single-GPU variant")), (3, 224, 224))
    b = _Builder(a)
    b.conv("conv1", 64, 11, 4, 2)
    b.pool("pool1", 3, 2)
    b.conv("conv2", 192, 5, p=2)
    b.pool("pool2", 3, 2)
    b.conv("conv3", 384, 3, p=1)
    b.conv("conv4", 256, 3, p=1)
    b.conv("conv5", 256, 3, p=1)
    b.pool("pool5", 3, 2)
    b.adaptive("avgpool", 6)
    b.flatten()
    b.linear("fc6", 4096)
    b.linear("fc7", 4096)
    b.linear("fc8", 1000)
    a.note = _("{puzzle} Two things of the paper's are not in the table: local response normalisation (LRN, after "
               "conv1 and conv2), which divides each map by the activity of its neighbouring channels, has no "
               "parameters and was dropped by later nets and by torchvision; and the pools are overlapping, 3×3 "
               "windows at stride 2, so neighbouring windows share a row (the paper saw slightly less "
               "overfitting).").format(puzzle=alexnet_puzzle())
    return a


def vgg16() -> Architecture:
    a = Architecture("vgg16", "VGG-16 (Simonyan & Zisserman, 2014)", (3, 224, 224))  # names and a year: as they are
    b = _Builder(a)
    for stage, (width, convs) in enumerate([(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)], 1):
        for i in range(1, convs + 1):
            b.conv(f"conv{stage}_{i}", width, 3, p=1)
        b.pool(f"pool{stage}", 2, 2)
    b.adaptive("avgpool", 7)
    b.flatten()
    b.linear("fc6", 4096)
    b.linear("fc7", 4096)
    b.linear("fc8", 1000)
    a.note = _("Only 3×3 convs: two stacked see 5×5 and three see 7×7, with fewer weights (3·9C² vs 49C²) "
               "and more non-linearities. 124 M of the 138 M parameters sit in the three linear layers; "
               "the 550 MB often quoted is the float32 file size (138,357,544 × 4 bytes ≈ 553 MB).")
    return a


def _inception(b: _Builder, name: str, c1: int, c3r: int, c3: int, c5r: int, c5: int, proj: int) -> None:
    """Four branches on the same input, concatenated along channels. torchvision's "5×5" branch
    uses a 3×3 kernel (a known bug kept for its pretrained weights), and so does this count."""
    start, outs = b.shape, []
    b.block = name
    a = b.arch
    a.block_kinds[name] = f"inception {c1}+{c3}+{c5}+{proj}"
    for branch, layers in enumerate([[(c1, 1)], [(c3r, 1), (c3, 3)], [(c5r, 1), (c5, 3)], [("pool", 3), (proj, 1)]], 1):
        b.shape = start
        for i, (width, k) in enumerate(layers):
            if width == "pool":
                b.pool(f"{name}.branch{branch}.pool", 3, 1, 1, ceil=True)
            else:
                b.conv(f"{name}.branch{branch}.{i}", width, k, p=k // 2, bias=False, bn=True)
        outs.append(b.shape)
    b.add(f"{name}.concat", "concatenate channels", (sum(s[0] for s in outs), *start[1:]), 0)
    b.block = ""


def _aux_head(b: _Builder, name: str) -> None:
    """An auxiliary classifier on the side of the main path (training only): 5×5/3 average pool, 1×1 conv to 128,
    fc 1024, fc 1000. The main path goes on from the module it branched off."""
    start = b.shape
    b.block = name
    b.arch.block_kinds[name] = "auxiliary classifier"
    b.pool(f"{name}.pool", 5, 3, kind="avg pool")
    b.conv(f"{name}.conv", 128, 1, bias=False, bn=True)
    b.add(f"{name}.flatten", "flatten", (math.prod(b.shape),), 0)
    b.linear(f"{name}.fc1", 1024)
    b.linear(f"{name}.fc2", 1000)
    b.shape, b.block = start, ""


def googlenet(aux: bool = False) -> Architecture:
    a = Architecture("googlenetaux" if aux else "googlenet",
                     "GoogLeNet / Inception v1 ({about})".format(
                         about=_("Szegedy et al., 2014; torchvision, with the auxiliary heads used in training") if aux
                         else _("Szegedy et al., 2014; torchvision, no aux heads")), (3, 224, 224))
    b = _Builder(a)
    b.conv("conv1", 64, 7, 2, 3, bias=False, bn=True)
    b.pool("maxpool1", 3, 2, ceil=True)
    b.conv("conv2", 64, 1, bias=False, bn=True)
    b.conv("conv3", 192, 3, p=1, bias=False, bn=True)
    b.pool("maxpool2", 3, 2, ceil=True)
    _inception(b, "inception3a", 64, 96, 128, 16, 32, 32)
    _inception(b, "inception3b", 128, 128, 192, 32, 96, 64)
    b.pool("maxpool3", 3, 2, ceil=True)
    for name, widths in [("4a", (192, 96, 208, 16, 48, 64)), ("4b", (160, 112, 224, 24, 64, 64)),
                         ("4c", (128, 128, 256, 24, 64, 64)), ("4d", (112, 144, 288, 32, 64, 64)),
                         ("4e", (256, 160, 320, 32, 128, 128))]:
        _inception(b, "inception" + name, *widths)
        if aux and name in ("4a", "4d"):
            _aux_head(b, "aux" + ("1" if name == "4a" else "2"))
    b.pool("maxpool4", 2, 2, ceil=True)
    _inception(b, "inception5a", 256, 160, 320, 32, 128, 128)
    _inception(b, "inception5b", 384, 192, 384, 48, 128, 128)
    b.adaptive("avgpool", 1)
    b.flatten()
    b.linear("fc", 1000)
    a.note = _("Each inception module runs 1×1, 3×3 and 5×5 convs and a pool side by side and stacks their "
               "outputs; the 1×1 convs in front shrink the channels first, which is how 22 layers fit in 6.6 M "
               "parameters. The two auxiliary classifiers used in training are left out, as torchvision does "
               "for its pretrained model (with them: 13,004,888; `googlenetaux`).")
    if aux:
        a.note = _("Two auxiliary classifiers branch off inception4a (512 channels) and inception4d (528): each pools "
                   "14×14 to 4×4, shrinks to 128 channels with a 1×1 conv, then fc 2048→1024 and 1024→1000. Their "
                   "losses, weighted 0.3, push gradient into the middle of the 22 layers during training; at test "
                   "time they are dropped. They add 3,188,968 + 3,191,016 = 6,379,984 parameters, almost as many as "
                   "the whole network without them (6,624,904).")
    return a


def _residual(b: _Builder, name: str, planes: int, stride: int, bottleneck: bool) -> None:
    """A BasicBlock (3×3, 3×3) or Bottleneck (1×1, 3×3 with the stride, 1×1 ×4), plus a 1×1
    projection on the shortcut when the shape changes; output = F(x) + shortcut(x)."""
    start = b.shape
    out = planes * 4 if bottleneck else planes
    b.block = name
    b.arch.block_kinds[name] = ("bottleneck" if bottleneck else "basic block") + f" {planes}" + \
        (f"/{stride}" if stride > 1 else "") + (" +proj" if stride != 1 or start[0] != out else "")
    convs = [(planes, 1, 1), (planes, 3, stride), (out, 1, 1)] if bottleneck else [(planes, 3, stride), (planes, 3, 1)]
    for i, (width, k, s) in enumerate(convs, 1):
        b.conv(f"{name}.conv{i}", width, k, s, k // 2, bias=False, bn=True)
    main = b.shape
    if stride != 1 or start[0] != out:
        b.shape = start
        b.conv(f"{name}.downsample", out, 1, stride, bias=False, bn=True)
    b.add(f"{name}.add", "add shortcut", main, 0)
    b.block = ""


def _resnet(name: str, depths: list[int], bottleneck: bool) -> Architecture:
    a = Architecture(name, f"ResNet-{name[6:]} (He et al., 2015)", (3, 224, 224))
    b = _Builder(a)
    b.conv("conv1", 64, 7, 2, 3, bias=False, bn=True)
    b.pool("maxpool", 3, 2, 1)
    for stage, (planes, blocks) in enumerate(zip((64, 128, 256, 512), depths), 1):
        for i in range(blocks):
            _residual(b, f"layer{stage}.{i}", planes, 2 if i == 0 and stage > 1 else 1, bottleneck)
    b.adaptive("avgpool", 1)
    b.flatten()
    b.linear("fc", 1000)
    a.note = _("Each block learns a correction F(x) added to its input: y = F(x) + x. When F can be zero, "
               "a deeper net can always do at least as well as a shallower one, which plain stacks fail to "
               "achieve in practice (the degradation problem).")
    return a


def nin() -> Architecture:
    """d2l's NiN (torchvision has none): four NiN blocks, each a k×k conv and two 1×1 convs, ending in 10 channels
    that global average pooling turns into the 10 class scores (1×224×224 Fashion-MNIST, upscaled)."""
    a = Architecture("nin", "NiN, Network in Network ({about})".format(
        about=_("Lin et al., 2013; d2l's version for 224×224")), (1, 224, 224))
    b = _Builder(a)
    for stage, (out, k, s, p) in enumerate([(96, 11, 4, 0), (256, 5, 1, 2), (384, 3, 1, 1), (10, 3, 1, 1)], 1):
        name = f"nin{stage}"
        b.block = name
        a.block_kinds[name] = f"NiN block {k}×{k}" + (f"/{s}" if s > 1 else "") + ", 1×1, 1×1"
        b.conv(f"{name}.conv", out, k, s, p)
        b.conv(f"{name}.mlp1", out, 1)
        b.conv(f"{name}.mlp2", out, 1)
        b.block = ""
        if stage < 4:
            b.pool(f"pool{stage}", 3, 2)
    b.adaptive("avgpool", 1)
    b.flatten()
    a.note = _("No fully connected layers: each block's two 1×1 convs act as a small MLP applied at every pixel "
               "(the \"network in network\"), and the last block has one channel per class, averaged over the "
               "whole map. The last block costs 34,790 parameters where AlexNet's three linear layers cost "
               "58,631,144. torchvision has no NiN; this is d2l's, for 1-channel 224×224 input and 10 classes.")
    return a


def densenet121() -> Architecture:
    """torchvision's densenet121: growth rate k = 32, blocks of 6, 12, 24, 16 layers, transitions halving channels."""
    a = Architecture("densenet121", "DenseNet-121 (Huang et al., 2016)", (3, 224, 224))
    b = _Builder(a)
    b.conv("conv0", 64, 7, 2, 3, bias=False, bn=True)
    b.pool("pool0", 3, 2, 1)
    growth = 32
    for stage, layers in enumerate((6, 12, 24, 16), 1):
        name = f"denseblock{stage}"
        b.block = name
        a.block_kinds[name] = f"dense block {layers}×, k = {growth}"
        for i in range(1, layers + 1):
            c, h, w = start = b.shape
            b.norm(f"{name}.layer{i}.norm1")
            b.conv(f"{name}.layer{i}.conv1", 4 * growth, 1, bias=False)
            b.norm(f"{name}.layer{i}.norm2")
            b.conv(f"{name}.layer{i}.conv2", growth, 3, p=1, bias=False)
            b.add(f"{name}.layer{i}.concat", "concatenate channels", (c + growth, h, w), 0)
        b.block = ""
        if stage < 4:
            name = f"transition{stage}"
            b.block = name
            a.block_kinds[name] = "transition 1×1 C/2, avg pool /2"
            b.norm(f"{name}.norm")
            b.conv(f"{name}.conv", b.shape[0] // 2, 1, bias=False)
            b.pool(f"{name}.pool", 2, 2, kind="avg pool")
            b.block = ""
    b.norm("norm5")
    b.adaptive("avgpool", 1)
    b.flatten()
    b.linear("classifier", 1000)
    a.note = _("Each layer of a dense block sees every earlier layer's maps (concatenated, not added) and adds k = 32 "
               "new ones: a block of L layers turns k₀ channels into k₀ + L·k (64 + 6·32 = 256). Each layer is "
               "BN-ReLU-conv 1×1 to 4k, BN-ReLU-conv 3×3 to k; transitions halve the channels and the size. "
               "121 = 1 + 2·58 layers in the blocks + 3 transitions + 1 classifier.")
    return a


def _inverted_residual(b: _Builder, name: str, expand: int, out: int, stride: int) -> None:
    """MobileNetV2's block: 1×1 expand ×t (skipped for t = 1), depthwise 3×3 with the stride, 1×1 project down
    with no activation; the input is added when the shape is unchanged."""
    start = b.shape
    b.block = name
    shortcut = stride == 1 and start[0] == out
    b.arch.block_kinds[name] = f"inverted residual t={expand}" + (f"/{stride}" if stride > 1 else "") + \
        (" +x" if shortcut else "")
    if expand != 1:
        b.conv(f"{name}.expand", start[0] * expand, 1, bias=False, bn=True)
    b.depthwise(f"{name}.depthwise", 3, stride, 1)
    b.conv(f"{name}.project", out, 1, bias=False, bn=True)
    if shortcut:
        b.add(f"{name}.add", "add shortcut", b.shape, 0)
    b.block = ""


def mobilenet_v2() -> Architecture:
    a = Architecture("mobilenetv2", "MobileNetV2 ({about})".format(
        about=_("Sandler et al., 2018; torchvision, width 1.0")), (3, 224, 224))
    b = _Builder(a)
    b.conv("conv0", 32, 3, 2, 1, bias=False, bn=True)
    block = 0
    for t, c, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
                       (6, 320, 1, 1)]:
        for i in range(n):
            block += 1
            _inverted_residual(b, f"block{block}", t, c, s if i == 0 else 1)
    b.conv("conv_last", 1280, 1, bias=False, bn=True)
    b.adaptive("avgpool", 1)
    b.flatten()
    b.linear("classifier", 1000)
    a.note = _("A depthwise 3×3 conv filters each channel on its own (C·9 weights instead of C²·9), and 1×1 convs "
               "mix the channels: together about 8× cheaper than a full 3×3 conv. Blocks widen by t = 6 before the "
               "depthwise conv and narrow after it, the reverse of ResNet's bottleneck, with no ReLU after the "
               "narrowing.")
    return a


NETWORKS = {
    "lenet5": lenet5,
    "alexnet": alexnet,
    "vgg16": vgg16,
    "googlenet": googlenet,
    "googlenetaux": lambda: googlenet(aux=True),
    "resnet18": lambda: _resnet("resnet18", [2, 2, 2, 2], False),
    "resnet34": lambda: _resnet("resnet34", [3, 4, 6, 3], False),
    "resnet50": lambda: _resnet("resnet50", [3, 4, 6, 3], True),
    "nin": nin,
    "densenet121": densenet121,
    "mobilenetv2": mobilenet_v2,
}


# ------------------------------------------------------------------------------ the encoder–decoder Transformer
# Not a stack of shapes like the CNNs above: its size is a formula in d_model, d_ff, the layers and the vocabulary.

@dataclass(frozen=True)
class Sizes:
    """An encoder–decoder Transformer's sizes. `shared`: one embedding table for the source, the target and the
    output layer (the paper's shared vocabulary, its output weight tied, no output bias); otherwise a source table,
    a target table and an output layer d_model → output_vocab with its bias. `final_norms`: a LayerNorm after each
    stack, as torch.nn.Transformer adds."""

    d_model: int
    heads: int
    d_ff: int
    encoder_layers: int
    decoder_layers: int
    source_vocab: int
    target_vocab: int
    output_vocab: int
    shared: bool = False
    final_norms: bool = False


PAPER = Sizes(512, 8, 2048, 6, 6, 37000, 37000, 37000, shared=True, final_norms=True)
"""The paper's base model (its shared vocabulary of about 37,000 byte-pair tokens), layers as torch.nn.Transformer."""


def parameter_breakdown(s: Sizes) -> dict[str, int]:
    """Parameters per part. Attention: W_Q, W_K, W_V, W_O with biases, 4·d² + 4·d, whatever the number of heads.
    Feed-forward d → d_ff → d with biases. LayerNorm: γ and β, 2·d. An encoder layer has one attention and two norms;
    a decoder layer two attentions (masked self, cross) and three norms."""
    d = s.d_model
    attention, feed_forward, norm = 4 * d * d + 4 * d, 2 * d * s.d_ff + s.d_ff + d, 2 * d
    final = norm if s.final_norms else 0
    if s.shared:
        embeddings, output = s.source_vocab * d, 0
    else:
        embeddings, output = (s.source_vocab + s.target_vocab) * d, d * s.output_vocab + s.output_vocab
    return {"embeddings": embeddings,
            "encoder": s.encoder_layers * (attention + feed_forward + 2 * norm) + final,
            "decoder": s.decoder_layers * (2 * attention + feed_forward + 3 * norm) + final,
            "output": output}


def parameter_count(s: Sizes) -> int:
    return sum(parameter_breakdown(s).values())


def transformer_table(s: Sizes = PAPER) -> str:
    """The paper's model part by part, as `dltui arch transformer` prints it."""
    parts = parameter_breakdown(s)
    layers = parts["encoder"] + parts["decoder"]
    rows = [(_("part"), _("what"), _("params")),
            (_("embeddings"), _("{vocabulary} × {d_model}, shared with the output").format(
                vocabulary=f"{s.source_vocab:,}", d_model=s.d_model), parts["embeddings"]),
            (_("encoder"), _("{layers} × (self-attention, feed-forward, 2 norms) + norm").format(
                layers=s.encoder_layers), parts["encoder"]),
            (_("decoder"), _("{layers} × (masked self-, cross-attention, ff, 3 norms) + norm").format(
                layers=s.decoder_layers), parts["decoder"]),
            (_("output"), _("tied to the embeddings"), parts["output"])]
    table = [(a, b, c if isinstance(c, str) else f"{c:,}") for a, b, c in rows]
    return text_table(
        _("Transformer base (Vaswani et al. 2017): d_model {d_model}, {heads} heads, d_ff {d_ff}").format(
            d_model=s.d_model, heads=s.heads, d_ff=f"{s.d_ff:,}"),
        table, parameter_count(s), fill(_(
            "The {encoder} + {decoder} layers alone: {count}, as torch.nn.Transformer(d_model={d_model}, "
            "nhead={heads}, dim_feedforward={d_ff}) counts them. The paper reports 65 M with its exact shared "
            "vocabulary of about 37,000 byte-pair tokens. Attention's parameters do not depend on the number of "
            "heads: each head projects to d_model / heads. Lesson 28 trains a tiny one.").format(
            encoder=s.encoder_layers, decoder=s.decoder_layers, count=f"{layers:,}", d_model=s.d_model,
            heads=s.heads, d_ff=s.d_ff), 80))


def fill(text: str, width: int) -> str:
    """`text` in lines of at most `width` terminal cells: as `textwrap.fill` where every character is one cell, else
    broken at a space or beside a wide (CJK) character."""
    if cells(text) == len(text):
        return textwrap.fill(text, width)
    lines, line, room = [], "", -1  # room: where the line may be broken (after a space or a wide character)
    for char in text:
        if cells(line + char) > width and line:
            cut = room if room > 0 else len(line)
            lines.append(line[:cut].rstrip())
            line = line[cut:].lstrip()
            room = -1
        line += char
        if char == " " or cells(char) == 2:
            room = len(line)
        elif cells(line[-2:-1]) == 2:  # a narrow character after a wide one: a break before it is allowed too
            room = len(line) - 1
    return "\n".join([*lines, line.rstrip()])


def text_table(title: str, rows: list[tuple[str, ...]], total: int, note: str) -> str:
    """What `dltui arch` prints: the title, the rows (the first is the header; the first two columns left-aligned,
    the others right-aligned) between rules, the total and a note. Columns are measured in terminal cells (a CJK
    character is two)."""
    widths = [max(cells(row[i]) for row in rows) for i in range(len(rows[0]))]

    lines = ["  ".join((left if i < 2 else right)(cell, width) for i, (cell, width) in enumerate(zip(row, widths)))
             for row in rows]
    rule = "-" * cells(lines[0])
    return "\n".join([title, rule, lines[0], rule, *lines[1:], rule,
                      _("total parameters: {total}").format(total=f"{total:,}"), "", note])


NAMES = (*NETWORKS, "transformer")
"""What `dltui arch` shows: the CNNs' shape tables and the Transformer's formula."""


def architecture(name: str) -> Architecture:
    """The named network; KeyError listing the known ones otherwise."""
    key = name.lower().replace("-", "").replace("_", "")
    if key not in NETWORKS:
        raise KeyError(_("unknown architecture {name}; choose one of {names}").format(name=repr(name),
                                                                                      names=", ".join(NAMES)))
    return NETWORKS[key]()


def format_table(name: str, expand: bool = False) -> str:
    """The network as a plain-text table: layer, what it is, output shape, parameters, total.

    Blocks (residual, inception) are one row each unless `expand`."""
    if name.lower() == "transformer":
        return transformer_table()
    a = architecture(name)
    rows = [(_("layer"), _("type"), _("output"), _("params"))]
    rows.append((_("input"), "", "×".join(map(str, a.input_shape)), ""))
    rows += [(l.name, l.kind, "×".join(map(str, l.shape)), f"{l.params:,}") for l in (a.layers if expand else a.blocks())]
    return text_table(a.title, rows, a.total, a.note)
