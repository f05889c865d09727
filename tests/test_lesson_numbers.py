"""Numbers a lesson states about its lab, read from the lesson's own text in English and Chinese and
compared with what the lab computes now: a change in a lab cannot leave a lesson saying something else.

Each claim names the sentence it reads (a pattern per language); a pattern that no longer matches
fails too, so rewording a sentence means looking at its number again. Claims that need a long
training run are checked where they are cheap to reach (see each test's docstring).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from dltui.engine import Tensor, no_grad
from dltui.engine.arch import architecture
from dltui.engine.data import assets_dir, load_digits, to_lenet
from dltui.labs import lab_class
from dltui.labs.activations import layer_grad_norms
from dltui.labs.lenet import SHIPPED_WEIGHTS, LeNet5
from dltui.lessons import load_lessons

LANGS = ("en", "zh")
LESSONS = {lang: {lesson.id: lesson for lesson in load_lessons(lang=lang)[0]} for lang in LANGS}
SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")


def lesson_text(lang: str, lesson_id: str) -> str:
    """The body and every quiz prompt and explanation, with each run of whitespace made one space."""
    lesson = LESSONS[lang][lesson_id]
    parts = [lesson.body] + [f"{q.prompt} {q.explanation}" for q in lesson.quiz]
    return " ".join(" ".join(parts).split())


def number(text: str) -> float:
    """'1,797', '−0.25', '6.5·10⁻⁵' or '10⁻⁹' as a float."""
    text = text.replace(",", "").replace("−", "-")
    if power := re.fullmatch(r"(?:([\d.]+)·)?10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)", text):
        return float(power[1] or 1) * 10 ** int(power[2].translate(SUPERSCRIPT))
    return float(text)


def stated(lang: str, lesson_id: str, patterns: dict[str, str]) -> list[float]:
    """The numbers the lesson's sentence holds (the pattern's groups), in the pattern's order."""
    found = re.search(patterns[lang], lesson_text(lang, lesson_id))
    assert found, f"{lesson_id} ({lang}) no longer says: {patterns[lang]}"
    return [number(group) for group in found.groups()]


def stated_matrix(lang: str, lesson_id: str, after: str) -> np.ndarray:
    """The first [[a, b], [c, d]] written after the text `after`."""
    text = lesson_text(lang, lesson_id)
    start = text.find(after)
    assert start >= 0, f"{lesson_id} ({lang}) no longer says: {after}"
    rows = re.search(r"\[\[(.+?)\]\]", text[start:])[1].split("], [")
    return np.array([[number(cell) for cell in row.split(", ")] for row in rows])


def code_blocks(lang: str, lesson_id: str) -> list[np.ndarray]:
    """The fenced blocks of the body that are grids of numbers, as arrays."""
    blocks = re.findall(r"```\n(.*?)```", LESSONS[lang][lesson_id].body, re.S)
    return [np.array([[number(cell) for cell in line.split()] for line in block.splitlines()])
            for block in blocks if re.fullmatch(r"[\s\d−.-]+", block)]


NUM = r"([\d.,]+)"
SCI = r"(\d[\d.]*·10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+|10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)"


# ---------------------------------------------------------------------------- lesson 4


@pytest.fixture(scope="module")
def activation_bars():
    return lab_class("activations")(**LESSONS["en"]["activations"].params).snapshot()


@pytest.mark.parametrize("lang", LANGS)
def test_activation_bars_are_the_ones_the_lesson_describes(lang, activation_bars):
    """Seed 0's ratios and spreads, the spread over seeds 0–19, and the (1/4)⁸ bound beside them."""
    snapshot = activation_bars
    norms = snapshot.grad_norms
    spread = {a: n.max() / n.min() for a, n in norms.items()}
    sigmoid, = stated(lang, "activations", {"en": rf"receives about {SCI} of what the last layer gets",
                                            "zh": rf"第 1 层只得到最后一层的约 {SCI}"})
    assert f"{snapshot.ratio('sigmoid'):.1e}" == f"{sigmoid:.1e}"
    bound, = stated(lang, "activations", {"en": rf"\(1/4\)⁸ ≈ {SCI}", "zh": rf"\(1/4\)⁸ ≈ {SCI}"})
    assert f"{0.25 ** 8:.1e}" == f"{bound:.1e}" and bound < sigmoid  # the bound ignores the weights
    status_sigmoid, relu, tanh = stated(lang, "activations", {
        "en": rf"gets {SCI} of the last layer's gradient with sigmoid, against {NUM} with ReLU \({NUM} with tanh\)",
        "zh": rf"第 1 层得到最后一层梯度的 {SCI}，ReLU 是 {NUM}（tanh 是 {NUM}）"})
    assert f"{status_sigmoid:.1e}" == f"{snapshot.ratio('sigmoid'):.1e}" and status_sigmoid == sigmoid
    assert (relu, tanh) == (round(snapshot.ratio("relu"), 2), round(snapshot.ratio("tanh"), 2))
    relu_spread, tanh_spread = stated(lang, "activations", {
        "en": rf"the longest ReLU bar is {NUM} times the shortest, and tanh's {NUM} times",
        "zh": rf"最长的 ReLU 柱是最短的 {NUM} 倍，tanh 是 {NUM} 倍"})
    assert (relu_spread, tanh_spread) == (round(spread["relu"], 1), round(spread["tanh"], 1))
    assert spread["relu"] < 2  # the quiz's "within a factor of two", true for this seed

    p = LESSONS["en"]["activations"].params
    seeds = [layer_grad_norms("relu", p["depth"], p["width"], seed, p["init"]) for seed in range(20)]
    spreads = np.array([n.max() / n.min() for n in seeds])
    median, most = stated(lang, "activations", {"en": rf"the ReLU spread has a median of {NUM} and reaches {NUM}",
                                                "zh": rf"ReLU 的这个倍数中位数是 {NUM}，最多达到 {NUM}"})
    assert (median, most) == (round(np.median(spreads), 1), round(spreads.max()))
    quiz_median, quiz_most = stated(lang, "activations", {
        "en": rf"the longest ReLU bar is typically {NUM} times the shortest, at most {NUM} times",
        "zh": rf"最长的 ReLU 柱通常是最短的 {NUM} 倍，最多 {NUM} 倍"})
    assert (quiz_median, quiz_most) == (median, most)

    pytorch, = stated(lang, "activations", {"en": rf"with `init = pytorch` it is {SCI}",
                                            "zh": rf"设 `init = pytorch` 时是 {SCI}"})
    small = layer_grad_norms("sigmoid", p["depth"], p["width"], p["seed"], "pytorch")
    assert f"{small[0] / small[-1]:.1e}" == f"{pytorch:.1e}"


# ---------------------------------------------------------------------------- lessons 6 and 7


@pytest.mark.parametrize("lang", LANGS)
def test_the_edge_map_and_its_pooling_are_what_the_labs_compute(lang):
    """Lesson 6's feature map is the convolution lab's; lesson 7 starts its lab on that map and
    states what max and average pooling make of it."""
    convolution = lab_class("convolution")(**LESSONS["en"]["convolution"].params)
    edge_map = convolution.perform("finish").output[0]
    assert np.array_equal(code_blocks(lang, "convolution")[0], edge_map)
    shown_map, pooled = code_blocks(lang, "pooling")[:2]
    assert np.array_equal(shown_map, edge_map)

    pooling = lab_class("pooling")(**LESSONS["en"]["pooling"].params)
    assert np.array_equal(pooling.image, edge_map)  # the lesson opens on the map it talks about
    assert np.array_equal(pooling.perform("finish").output, pooled)
    assert np.array_equal(stated_matrix(lang, "pooling", {"en": "Pool by hand.", "zh": "手工池化。"}[lang]), pooled)
    average = lab_class("pooling")(**{**LESSONS["en"]["pooling"].params, "mode": "avg"}).perform("finish").output
    assert np.array_equal(stated_matrix(lang, "pooling", {"en": "**Average pooling**", "zh": "**平均池化**"}[lang]),
                          average)


# ---------------------------------------------------------------------------- lesson 8


@pytest.mark.parametrize("lang", LANGS)
def test_lenet_mistakes_are_the_ones_the_lesson_counts(lang):
    """Read with the shipped weights, which are the lab's defaults trained for their 12 epochs
    (`bench/lenet.py --save`): the training itself takes about 45 s here, too long for a test."""
    digits = load_digits()
    net = LeNet5.load(assets_dir() / SHIPPED_WEIGHTS)
    with no_grad():
        predicted = net(Tensor(to_lenet(digits.test_images))).data.argmax(1)
    wrong = predicted != digits.test_labels
    total, test, train = stated(lang, "lenet", {
        "en": rf"dltui\): {NUM} digits, each 8×8 .*? {NUM} are its \*\*test set\*\*.*? the other {NUM} are for training",
        "zh": rf"提供）：{NUM} 个数字.*?{NUM} 个作为网络从不训练的\*\*测试集\*\*，其余 {NUM} 个用于训练"})
    assert (total, test, train) == (len(digits.test_labels) + len(digits.train_labels), len(digits.test_labels),
                                    len(digits.train_labels))
    accuracy, = stated(lang, "lenet", {"en": rf"ends at {NUM} %", "zh": rf"最终达到 {NUM}%"})
    assert accuracy == round(100 * (1 - wrong.mean()), 1)
    if lang == "en":
        ones, mistakes = stated(lang, "lenet", {"en": rf"{NUM} of its {NUM} mistakes answer \"1\""})
    else:
        mistakes, ones = stated(lang, "lenet", {"zh": rf"{NUM} 个错误中有 {NUM} 个答成了“1”"})
    assert (mistakes, ones) == (wrong.sum(), (wrong & (predicted == 1)).sum())


@pytest.mark.parametrize("lang", LANGS)
def test_lenet_starts_at_the_loss_of_a_uniform_guess(lang):
    start, = stated(lang, "lenet", {"en": rf"it starts near ln 10 ≈ {NUM}", "zh": rf"它从 ln 10 ≈ {NUM} 附近开始"})
    assert start == round(math.log(10), 1)
    first = lab_class("lenet")(**LESSONS["en"]["lenet"].params).perform("step").losses[0]
    assert abs(first - math.log(10)) < 0.05


# ---------------------------------------------------------------------------- lesson 10


@pytest.fixture(scope="module")
def first_race_step():
    return lab_class("architectures")(**LESSONS["en"]["architectures"].params).perform("step").measurements[0]


@pytest.fixture(scope="module")
def shallow_race():
    return lab_class("architectures")(**{**LESSONS["en"]["architectures"].params, "depth": 3}).perform("run_all")


@pytest.mark.parametrize("lang", LANGS)
def test_architecture_numbers(lang, first_race_step, shallow_race):
    """The plain net's vanishing first-layer gradient is there from the first step (the 400-step race
    at depth 20 is tests/labs/test_cnn_lenet.py's); at depth 3 the plain net learns; parameter bytes."""
    plain, = stated(lang, "architectures", {"en": rf"about {SCI} through the plain stack, from the first step on",
                                            "zh": rf"经过普通的堆叠约为 {SCI}（从第一步起就是如此）"})
    assert math.floor(math.log10(first_race_step.plain_grad)) == round(math.log10(plain))
    shallow, = stated(lang, "architectures", {"en": rf"the plain one reaches about {NUM} %",
                                              "zh": rf"普通网络达到约 {NUM}%"})
    assert shallow == round(100 * shallow_race.measurements[-1].plain_accuracy)

    vgg, alexnet = stated(lang, "architectures", {
        "en": rf"the parameters take {NUM} MB.*?× 4 ≈ {NUM} MB",
        "zh": rf"这些参数占 {NUM} MB.*?× 4 ≈ {NUM} MB"})
    assert (vgg, alexnet) == (round(architecture("vgg16").total * 4 / 1e6), round(architecture("alexnet").total * 4 / 1e6))


# ---------------------------------------------------------------------------- lessons 12 and 13


def passes(accuracy: tuple[float, ...], every: int = 25, level: float = 0.99) -> int:
    """The first batch count at which the held-out accuracy (measured every `every` batches) reaches `level`."""
    return next((every * (i + 1) for i, a in enumerate(accuracy) if a >= level), 0)


LSTM_PASSES = {"en": rf"The LSTM passes 99 % after {NUM} to {NUM} batches", "zh": rf"LSTM 在 {NUM} 到 {NUM} 批之间超过 99%"}


@pytest.fixture(scope="module")
def lstm_race():
    """The default race as far as the lesson's later bound, not its 400 batches (seconds more): the
    dips it mentions afterwards depend on the kernels' rounding and are not held here."""
    high = max(stated(lang, "lstm", LSTM_PASSES)[1] for lang in LANGS)
    lab = lab_class("lstm")(**{**LESSONS["en"]["lstm"].params, "batches": int(high)})
    while not lab.finished:
        snapshot = lab.perform("epoch")
    return snapshot.runs


@pytest.mark.parametrize("lang", LANGS)
def test_lstm_passes_99_percent_when_the_lesson_says(lang, lstm_race):
    low, high = stated(lang, "lstm", LSTM_PASSES)
    rnn, lstm = lstm_race
    assert low <= passes(lstm.accuracy) <= high and rnn.last_accuracy < 0.35


@pytest.fixture(scope="module")
def gru_depth_race():
    lab = lab_class("gru")(**{**LESSONS["en"]["gru"].params, "compare": "1 vs 2 layers"})
    while not lab.finished:
        snapshot = lab.perform("epoch")
    return snapshot.runs


@pytest.mark.parametrize("lang", LANGS)
def test_two_gru_layers_need_the_batches_the_lesson_says(lang, gru_depth_race):
    deep, shallow = stated(lang, "gru", {"en": rf"2-layer GRU passes 99 % after {NUM} batches, the 1-layer one after {NUM}",
                                         "zh": rf"两层 GRU 在 {NUM} 批后超过 99%，一层的在 {NUM} 批后"})
    one, two = gru_depth_race
    assert (deep, shallow) == (passes(two.accuracy), passes(one.accuracy))
    ratio, = stated(lang, "gru", {"en": rf"it has {NUM} times the parameters", "zh": rf"它的参数是 {NUM} 倍"})
    assert ratio == round(two.parameters / one.parameters, 1)


# ---------------------------------------------------------------------------- lesson 21


def regularization_run(epochs: int, **params):
    """The lesson's lab with `params` changed, trained `epochs` epochs (or until it stops)."""
    lab = lab_class("regularization")(**{**LESSONS["en"]["regularization"].params, **params})
    while lab.epoch < epochs and not lab.finished:
        lab.step()
    return lab.snapshot()


@pytest.fixture(scope="module")
def regularization_runs():
    """The 600 epochs the lesson reads the overfit and weight decay from, L1's 200, and early stopping's run."""
    return {"plain": regularization_run(600), "l2": regularization_run(600, weight_decay=0.01),
            "l1": regularization_run(200, l1=0.001), "early": regularization_run(10_000, patience=100)}


@pytest.mark.parametrize("lang", LANGS)
def test_regularization_numbers_are_what_the_lab_computes(lang, regularization_runs):
    plain, l2, l1, early = (regularization_runs[k] for k in ("plain", "l2", "l1", "early"))
    best, best_val, train, val = stated(lang, "regularization", {
        "en": rf"lowest at epoch {NUM}, at {NUM} .*?by epoch 600 the training loss has fallen to {NUM} while the "
              rf"validation loss has risen to {NUM}",
        "zh": rf"验证损失在第 {NUM} 轮最低，为 {NUM}，.*?到第 600 轮，训练损失降到 {NUM}，而验证损失升到 {NUM}"})
    assert (best, best_val) == (plain.best_epoch, round(plain.best_val, 4))
    assert (train, val) == (round(plain.train_loss[600], 4), round(plain.val_loss[600], 4))
    val, train = stated(lang, "regularization", {
        "en": rf"With λ = 0.01 the validation loss at epoch 600 is {NUM} and the training loss {NUM}",
        "zh": rf"λ = 0.01 时，第 600 轮的验证损失是 {NUM}，训练损失是 {NUM}"})
    assert (val, train) == (round(l2.val_loss[600], 3), round(l2.train_loss[600], 3))
    small, total = stated(lang, "regularization", {"en": rf"by epoch 200 {NUM} of the {NUM} weights are below 0.001",
                                                   "zh": rf"到第 200 轮，{NUM} 个权重中有 {NUM} 个小于 0.001"})[::{"en": 1, "zh": -1}[lang]]
    assert (small, total) == (l1.sizes[0], l1.sizes.sum())
    stop, kept = stated(lang, "regularization", {"en": rf"the lab stops at epoch {NUM} and puts back epoch {NUM}'s",
                                                 "zh": rf"实验在第 {NUM} 轮停下，并放回第 {NUM} 轮的权重"})
    answer = next(q.answer for q in LESSONS[lang]["regularization"].quiz if q.id == "early-stop")
    assert early.outcome == "early-stopped" and (stop, kept) == (early.epoch, early.best_epoch) and answer == stop
    assert early.best_epoch == plain.best_epoch  # the same run up to its minimum
