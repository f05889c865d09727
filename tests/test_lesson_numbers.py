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


# ---------------------------------------------------------------------------- lesson 19


def regression_run(steps: int | None = None, **params):
    """The lesson's lab with `params` changed, run until it stops (or for `steps` steps)."""
    lab = lab_class("regression")(**{**LESSONS["en"]["regression"].params, **params})
    while (lab.steps < steps) if steps else not lab.finished:
        lab.step()
    return lab.snapshot()


@pytest.fixture(scope="module")
def regression_runs():
    """The runs lesson 19 reads: the line at five step sizes, and 2,048 steps at degree 12."""
    return {**{lr: regression_run(lr=lr) for lr in (0.01, 0.1, 0.5, 0.9, 1.1)}, "12": regression_run(2048, degree=12, lr=0.5)}


@pytest.mark.parametrize("lang", LANGS)
def test_regression_numbers_are_what_the_lab_computes(lang, regression_runs):
    line, deg12 = regression_runs[0.1], regression_runs["12"]
    w, b, loss = stated(lang, "regression", {"en": rf"★ at w = {NUM}, b = {NUM}, training MSE {NUM};",
                                             "zh": rf"位于 w = {NUM}、b = {NUM}，训练均方误差 {NUM}；"})
    assert (w, b, loss) == (round(line.ls_weights[0], 3), round(line.ls_bias, 3), round(line.ls_train, 4))
    steps = stated(lang, "regression", {
        "en": rf"η = 0.1 reaches .*? in {NUM} steps; η = 0.01 needs {NUM}, and η = 0.5 only {NUM}\. .*?η = 0.9 takes {NUM}",
        "zh": rf"η = 0.1 走 {NUM} 步.*?η = 0.01 要 {NUM} 步，η = 0.5 只要 {NUM} 步。.*?η = 0.9 要 {NUM} 步"})
    assert steps == [regression_runs[lr].reached_at for lr in (0.1, 0.01, 0.5, 0.9)]
    quiz = {q.id: q for q in LESSONS[lang]["regression"].quiz}
    assert quiz["small-lr-steps"].answer == regression_runs[0.01].reached_at
    assert stated(lang, "regression", {"en": r"0.1, which needs (\d+) steps", "zh": r"0.1 需要 (\d+) 步"}) == [line.reached_at]
    limits = [stated(lang, "regression", pattern)[0] for pattern in (
        {"en": rf"computes it as {NUM} for the line", "zh": rf"实验算出直线的这个值是 {NUM}"},
        {"en": rf"2/λmax \({NUM} here\)", "zh": rf"2/λmax（这里是 {NUM}）"})]
    assert limits == [round(line.lr_limit, 3)] * 2 and 0.9 < line.lr_limit < 1.1
    start, at = stated(lang, "regression", {"en": rf"η = 1.1 the loss, {NUM} at the start, .*? passes 100 at step {NUM},",
                                            "zh": rf"η = 1.1 时，损失从起点的 {NUM} 开始，.*?在第 {NUM} 步超过 100"})
    wild = regression_runs[1.1]
    assert wild.diverged and (start, at) == (round(wild.train_loss[0], 2), wild.step)
    assert wild.train_loss[int(at) - 1] < 100 < wild.train_loss[int(at)]
    fits = line.fits
    best = min(fits, key=lambda f: f.val)
    first, last, degree, low, high = stated(lang, "regression", {
        "en": rf"from {NUM} at degree 1 to {NUM} at degree 12.*?lowest at degree {NUM} \({NUM}\) and then climbs to {NUM} at degree 12",
        "zh": rf"从 1 次的 {NUM} 降到 12 次的 {NUM}.*?在 {NUM} 次时最低（{NUM}），之后一路升到 12 次的 {NUM}"})
    assert (first, last) == (round(fits[0].train, 4), round(fits[-1].train, 4))
    assert (degree, low, high) == (best.degree, round(best.val, 4), round(fits[-1].val, 4))
    assert quiz["best-degree"].answer == best.degree
    weights = [stated(lang, "regression", {"en": rf"weights up to ±{NUM}", "zh": rf"权重高达 ±{NUM}"})[0]]
    assert weights == [round(np.abs(deg12.ls_weights).max())]
    train, val, largest = stated(lang, "regression", {
        "en": rf"after 2,048 steps .*? its training MSE is {NUM} and its validation MSE {NUM},.*?Its largest weight is {NUM}\.",
        "zh": rf"走 2,048 步后.*?它的训练均方误差是 {NUM}，验证均方误差是 {NUM}，.*?它最大的权重是 {NUM}。"})
    assert deg12.step == 2048 and (train, val) == (round(deg12.train_loss[-1], 4), round(deg12.val_loss[-1], 4))
    assert largest == round(np.abs(deg12.weights).max(), 2)
    ls_val, = stated(lang, "regression", {"en": r"while the least-squares polynomial has ([\d.]+)\.",
                                          "zh": r"而最小二乘多项式是 ([\d.]+)。"})
    quoted, = stated(lang, "regression", {"en": r"validation MSE ([\d.]+) after 2,048 steps", "zh": r"走了 2,048 步后验证均方误差是 ([\d.]+)"})
    assert (quoted, ls_val) == (round(deg12.val_loss[-1], 4), round(deg12.ls_val, 4))


# ---------------------------------------------------------------------------- lesson 20


def optimizers_run(**params):
    """The lesson's lab with `params` changed, run to its end: the snapshot."""
    lab = lab_class("optimizers")(**{**LESSONS["en"]["optimizers"].params, **params})
    while not lab.finished:
        lab.step()
    return lab.snapshot()


@pytest.fixture(scope="module")
def optimizer_races():
    """Each surface the lesson reads step counts from, raced to the end; the batch, schedules and annealing runs."""
    races = {name: {r.name: r for r in optimizers_run(surface=name).racers}
             for name in ("ravine", "tilted", "saddle", "rosenbrock")}
    return {**races, "batch": {c.size: c for c in optimizers_run(part="batch").batches},
            "schedules": optimizers_run(part="schedules", surface="rosenbrock", lr_scale=3.0).racers,
            "annealing": optimizers_run(part="annealing", seed=0).anneal, "anneal_ends": [annealed(seed) for seed in range(8)]}


def annealed(seed: int) -> float:
    """Where the lab's annealing run with `seed` ends."""
    from dltui.labs.optimizers import ANNEAL_STEPS, Annealer
    run = Annealer(seed)
    for _ in range(ANNEAL_STEPS):
        run.step()
    return run.x


@pytest.mark.parametrize("lang", LANGS)
def test_optimizers_race_numbers_are_what_the_lab_computes(lang, optimizer_races):
    ravine, tilted, saddle, rosen = (optimizer_races[k] for k in ("ravine", "tilted", "saddle", "rosenbrock"))
    text = {"en": {"sgd": rf"crawls along, and reaches the minimum at step {NUM}",
                   "momentum": rf"μ = 0.9 momentum reaches the minimum at step {NUM}\. Nesterov .*? step {NUM} here, "
                               rf"and on the tilted ravine it wins, at step {NUM}",
                   "adagrad": rf"On the ravine AdaGrad is first, at step {NUM}",
                   "adam": rf"Adam reaches the ravine's minimum at step {NUM}",
                   "saddle": rf"so SGD needs {NUM} steps\. .*?RMSProp is there at step {NUM}"},
            "zh": {"sgd": rf"纵向慢爬，在第 {NUM} 步到达最小值",
                   "momentum": rf"μ = 0.9 时，动量法在第 {NUM} 步到达最小值。.*?这里是第 {NUM} 步，而在 tilted 上它最快，第 {NUM} 步",
                   "adagrad": rf"在 ravine 上 AdaGrad 第一个到达，第 {NUM} 步",
                   "adam": rf"Adam 在第 {NUM} 步到达峡谷的最小值",
                   "saddle": rf"所以 SGD 需要 {NUM} 步。.*?RMSProp 在第 {NUM} 步就到了"}}[lang]
    assert stated(lang, "optimizers", {lang: text["sgd"]}) == [ravine["SGD"].reached_at]
    assert stated(lang, "optimizers", {lang: text["momentum"]}) == [ravine["Momentum"].reached_at,
                                                                  ravine["Nesterov"].reached_at, tilted["Nesterov"].reached_at]
    assert min(r.reached_at for r in tilted.values() if r.reached_at) == tilted["Nesterov"].reached_at
    assert stated(lang, "optimizers", {lang: text["adagrad"]}) == [ravine["AdaGrad"].reached_at]
    assert min(r.reached_at for r in ravine.values() if r.reached_at) == ravine["AdaGrad"].reached_at
    assert stated(lang, "optimizers", {lang: text["adam"]}) == [ravine["Adam"].reached_at]
    assert stated(lang, "optimizers", {lang: text["saddle"]}) == [saddle["SGD"].reached_at, saddle["RMSProp"].reached_at]
    # "AdaDelta … the only racer that reaches no minimum in 300 steps"; on the tilted ravine AdaGrad and RMSProp are
    # not there after 300; on Rosenbrock nobody is, and Nesterov is closest
    assert [name for name, r in ravine.items() if r.reached_at is None] == ["AdaDelta"]
    assert tilted["AdaGrad"].reached_at is None and tilted["RMSProp"].reached_at is None
    assert all(r.reached_at is None for r in rosen.values())
    assert min(rosen.values(), key=lambda r: r.distance).name == "Nesterov"
    quiz = {q.id: q for q in LESSONS[lang]["optimizers"].quiz}
    assert quiz["momentum-steps"].answer == ravine["Momentum"].reached_at


@pytest.mark.parametrize("lang", LANGS)
def test_optimizers_batch_schedule_and_annealing_numbers_are_what_the_lab_computes(lang, optimizer_races):
    batch, schedules, anneal = (optimizer_races[k] for k in ("batch", "schedules", "annealing"))
    one, full, one_20, full_20 = stated(lang, "optimizers", {
        "en": rf"After one epoch batch size 1 is at {NUM} and the full batch at {NUM}.*?After 20 epochs batch size 1 "
              rf"is at {NUM}, still jittering, and the full batch at ([\d.]*\d)",
        "zh": rf"第一轮之后，批量大小 1 为 {NUM}，全批量为 {NUM}.*?20 轮之后，批量大小 1 为 {NUM}，仍在抖动，全批量为 {NUM}"})

    def at(size, epoch, places):
        curve = batch[size]
        return round(float(curve.losses[np.flatnonzero(curve.epochs == epoch)[0]]), places)

    assert (one, full, one_20, full_20) == (at(1, 1, 3), at(256, 1, 2), at(1, 20, 3), at(256, 20, 3))
    step, distance = stated(lang, "optimizers", {"en": rf"the first three diverge at step {NUM}, and warmup ends {NUM} from",
                                                 "zh": rf"前三种在第 {NUM} 步发散，warmup 最后离 \(1, 1\) {NUM}"})
    assert [r.diverged_at for r in schedules[:3]] == [step] * 3 and schedules[3].diverged_at is None
    assert distance == round(schedules[3].distance, 3)
    stuck, uphill, best = stated(lang, "optimizers", {
        "en": r"Gradient descent from x = 2 ends at x = ([\d.]+).*?With seed 0 it takes (\d+) uphill moves, and its best "
              r"point is x = (−[\d.]+)",
        "zh": r"梯度下降从 x = 2 出发，停在 x = ([\d.]+).*?种子为 0 时它接受了 (\d+) 次上坡移动，找到的最好的点是 x = (−[\d.]+)"})
    assert (stuck, uphill, best) == (round(anneal.ends[3], 2), anneal.uphill, round(anneal.best[0], 2))
    assert anneal.starts[3] == 2 and abs(anneal.best[0] - anneal.global_min[0]) < 0.05
    found, = stated(lang, "optimizers", {"en": rf"with seeds 0 to 7, {NUM} of 8 runs end in the global well",
                                         "zh": rf"种子 0 到 7 的运行中，8 次有 {NUM} 次停在全局最低的谷里"})
    from dltui.labs.optimizers import descend
    wells = [descend(x) for x in optimizer_races["anneal_ends"]]  # the bottom of the well each run ends in
    assert found == sum(abs(bottom - anneal.global_min[0]) < 0.05 for bottom in wells)


# ---------------------------------------------------------------------------- lesson 22
SIGNED = r"(−?\d[\d,]*(?:\.\d+)?)"
POWER = r"([\d.]+·10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)"


@pytest.fixture(scope="module")
def normalization_runs():
    """The stability passes the lesson reads, the batch-norm part's first batch and its 100th, and 30 epochs of training."""
    from dltui.labs.normalization import NormalizationLab, stability_pass
    passes = {(a, i): stability_pass(a, i, 10, 16, 0) for a, i in
              (("sigmoid", "xavier"), ("tanh", "small"), ("relu", "large"), ("relu", "kaiming"))}
    bn = NormalizationLab(part="batch-norm")
    first = bn.bn
    while not bn.finished:
        bn.train()
    training = NormalizationLab(part="training")
    tenth = None
    while training.epoch < 30:
        training.step()
        tenth = tenth or (training.epoch == 10 and training.losses["batch norm"][-1])
    return passes, first, bn.bn, training.snapshot(), tenth


@pytest.mark.parametrize("lang", LANGS)
def test_normalization_numbers_are_what_the_lab_computes(lang, normalization_runs):
    passes, first, hundredth, trained, tenth = normalization_runs
    sigmoid = passes["sigmoid", "xavier"]
    std1, std10, grad10, grad1 = stated(lang, "normalization", {
        "en": rf"falling only from {NUM} at layer 1 to {NUM} at layer 10, but the gradient's std falls from {NUM} at "
              rf"layer 10 to {POWER} at layer 1",
        "zh": rf"只从第 1 层的 {NUM} 降到第 10 层的 {NUM}；梯度的标准差却从第 10 层的 {NUM} 降到第 1 层的 {POWER}"})
    assert (std1, std10, grad10) == tuple(round(v, 3) for v in (sigmoid.std[0], sigmoid.std[-1], sigmoid.grad_std[-1]))
    assert grad1 == pytest.approx(float(f"{sigmoid.grad_std[0]:.2e}"), rel=1e-9)
    ratio = stated(lang, "normalization", {"en": rf"at layer 1: about {NUM} times smaller", "zh": rf"约小 {NUM} 倍"})[0]
    assert ratio == round(sigmoid.grad_std[-1] / sigmoid.grad_std[0], -4)
    small, large, kaiming1, kaiming10 = stated(lang, "normalization", {
        "en": rf"the activations' std is {POWER} by layer 10; with ReLU and `init = large` \(std 1\) it is {NUM} — "
              rf"exploding\. ReLU with `init = kaiming` keeps it in range: {NUM} at layer 1, {NUM} at layer 10",
        "zh": rf"到第 10 层激活值的标准差只剩 {POWER}；ReLU 配 `init = large`（标准差 1）则达到 {NUM}——爆炸了。"
              rf"ReLU 配 `init = kaiming` 能让它保持在合理范围：第 1 层 {NUM}，第 10 层 {NUM}"})
    assert small == pytest.approx(float(f"{passes['tanh', 'small'].std[-1]:.2e}"), rel=1e-9)
    assert large == round(passes["relu", "large"].std[-1])
    assert (kaiming1, kaiming10) == (round(passes["relu", "kaiming"].std[0], 3), round(passes["relu", "kaiming"].std[-1], 3))
    means = stated(lang, "normalization", {"en": rf"The first batch has means {SIGNED}, {SIGNED} and {SIGNED}",
                                           "zh": rf"第一个批量的均值是 {SIGNED}、{SIGNED} 和 {SIGNED}"})
    assert means == list(np.round(first.mean, 4))
    running = stated(lang, "normalization", {"en": rf"the running means are only {SIGNED}, {SIGNED} and {SIGNED}",
                                             "zh": rf"滑动均值只有 {SIGNED}、{SIGNED} 和 {SIGNED}"})
    assert running == list(np.round(first.running_after[0], 4))
    settled = stated(lang, "normalization", {"en": rf"After 100 batches they are {SIGNED}, {SIGNED} and {SIGNED}",
                                             "zh": rf"100 个批量之后它们是 {SIGNED}、{SIGNED} 和 {SIGNED}"})
    assert hundredth.batch == 100 and settled == list(np.round(hundredth.running_after[0], 3))
    plain, plain_acc, normed, normed_acc, early = stated(lang, "normalization", {
        "en": rf"After 30 epochs the plain net's loss is still {NUM} and its accuracy {NUM}%, .*? reaches {NUM} and "
              rf"{NUM}%\. Early on the batch-norm net's eval loss is high \({NUM} at epoch 10\)",
        "zh": rf"训练 30 轮后，普通网络的损失仍是 {NUM}，准确率 {NUM}%，.*?则达到 {NUM} 和 {NUM}%。.*?第 10 轮为 {NUM}"})
    assert trained.epoch == 30
    assert (plain, normed, early) == (round(trained.losses["plain"][-1], 3), round(trained.losses["batch norm"][-1], 3),
                                      round(tenth, 3))
    assert (plain_acc, normed_acc) == (round(100 * trained.accuracy["plain"]), round(100 * trained.accuracy["batch norm"]))


# ---------------------------------------------------------------------------- lesson 23
@pytest.fixture(scope="module")
def hopfield_runs():
    """Recall at the lesson's settings, from B with noise 0.6, from T itself with six letters; the capacity part until
    fewer than half come back."""
    from dltui.labs.hopfield import HopfieldLab

    def settled(lab):
        while not lab.finished:
            lab.act("step")
        return lab.snapshot()

    default = HopfieldLab(**LESSONS["en"]["hopfield"].params)
    start = default.snapshot()
    six = HopfieldLab(patterns=6, noise=0)
    from_t = six.perform("next")
    capacity = HopfieldLab(part="capacity")
    while capacity.half is None:
        capacity.act("step")
    return start, settled(default), settled(HopfieldLab(noise=0.6)), from_t, settled(six), capacity.snapshot()


@pytest.mark.parametrize("lang", LANGS)
def test_hopfield_numbers_are_what_the_lab_computes(lang, hopfield_runs):
    from dltui.labs.hopfield import CAPACITY_CELLS, THEORY
    start, end, inverse, from_t, six_end, capacity = hopfield_runs
    quiz = {q.id: q for q in LESSONS[lang]["hopfield"].quiz}
    as_written = slice(None, None, 1 if lang == "en" else -1)  # the Chinese sentence names the whole first
    flipped, cells = stated(lang, "hopfield", {"en": rf"B starts with {NUM} of its {NUM} cells flipped",
                                               "zh": rf"B 起初有 {NUM} 个格子中的 {NUM} 个被翻转"})[as_written]
    assert (flipped, cells) == (start.flipped, len(start.state))
    first, drops, updates, last = stated(lang, "hopfield", {
        "en": rf"The energy starts at {SIGNED} and drops at each of the {NUM} flips; after {NUM} updates B is back, "
              rf"with E = {SIGNED}",
        "zh": rf"能量从 {SIGNED} 开始，在 {NUM} 次翻转时各降一次；{NUM} 次更新后 B 回来了，E = {SIGNED}"})
    assert (first, last) == (round(start.energy, 3), round(end.energy, 3)) and end.kind_label == ("letter", "B")
    assert drops == np.sum(np.diff(end.energies) < 0) == start.flipped
    assert updates == end.fixed_at == quiz["updates-to-fixed-point"].answer
    noisy, = stated(lang, "hopfield", {"en": rf"with `noise = 0\.6` \({NUM} cells flipped\) the start is nearer −B, and "
                                             "recall ends there",
                                       "zh": rf"`noise = 0\.6`（翻转 {NUM} 个格子）时，起点离 −B 更近，回忆就停在那里"})
    assert noisy == inverse.flipped and inverse.kind_label == ("inverse", "−B")
    starts, *kinds, mixed = stated(lang, "hopfield", {
        "en": rf"from {NUM} random starts: {NUM} end at a letter, {NUM} at an inverse, {NUM} at a mixture of three "
              rf"letters and {NUM} elsewhere; sign\(B \+ T \+ V\) is a fixed point, reached from {NUM} of the starts",
        "zh": rf"从 {NUM} 个随机起点出发：{NUM} 个停在字母上，{NUM} 个停在反转模式上，{NUM} 个停在三个字母的混合模式上，"
              rf"{NUM} 个停在别处；sign\(B \+ T \+ V\) 是不动点，有 {NUM} 个起点到达了它"})
    assert starts == sum(e.starts for e in capacity.found)
    assert kinds == [sum(e.starts for e in capacity.found if e.kind == kind) for kind in ("letter", "inverse", "mixture",
                                                                                          "other")]
    assert capacity.first_mixture.label == "B+T+V" and capacity.first_mixture_fixed
    assert mixed == capacity.first_mixture.starts
    theory, = stated(lang, "hopfield", {"en": rf"puts the edge at P ≈ {NUM}·N", "zh": rf"边界 P ≈ {NUM}·N"})
    about, = stated(lang, "hopfield", {"en": rf"For 35 neurons that is about {NUM} patterns",
                                       "zh": rf"对 35 个神经元这约是 {NUM} 个模式"})
    assert (theory, about) == (THEORY, round(THEORY * 35, 1))
    differ, = stated(lang, "hopfield", {
        "en": rf"T and I differ in only {NUM} cells: with `patterns = 6`, T is no longer a fixed point, and from T itself "
              r"recall ends at the mixture sign\(T \+ J \+ I\)",
        "zh": rf"T 和 I 只差 {NUM} 个格子：`patterns = 6` 时 T 不再是不动点，从 T 本身出发的回忆停在混合模式 sign\(T \+ J \+ I\)"})
    t, i = from_t.patterns[1], from_t.patterns[5]
    assert differ == np.sum(t != i) and from_t.fixed_at is None and np.array_equal(from_t.state, t)
    assert six_end.kind_label == ("mixture", "T+J+I")
    shared, total, overlap = stated(lang, "hopfield", {"en": rf"T and I overlap by {NUM}/{NUM} = (\d\.\d+)",
                                                       "zh": rf"T 和 I 的重叠却是 {NUM}/{NUM} = (\d\.\d+)"})
    assert (shared, total, overlap) == (t @ i, len(t), round(t @ i / len(t), 2))
    neurons, flips, half, lost, kept = stated(lang, "hopfield", {
        "en": rf"stores random patterns in N = {NUM} neurons, one more at each step, and tries to recall each from {NUM} "
              rf"flipped cells \(the `noise` setting\)\. From P/N = {NUM} fewer than half come back \({NUM}%\), although "
              rf"{NUM}% of those patterns are still fixed points",
        "zh": rf"在 N = {NUM} 个神经元中存储随机模式，每步多存一个，并尝试从翻转 {NUM} 个格子（`noise` 设置）的起点回忆每个模式。"
              rf"从 P/N = {NUM} 开始回来的不到一半（{NUM}%），尽管这些模式中 {NUM}% 仍是不动点"})
    point = capacity.half
    assert (neurons, flips) == (CAPACITY_CELLS, round(capacity.noise * CAPACITY_CELLS))
    assert (half, lost, kept) == (point.patterns / CAPACITY_CELLS, round(100 * point.recalled), round(100 * point.stable))
    assert half == quiz["capacity-half"].answer
    assert stated(lang, "hopfield", {"en": rf"At P/N = {NUM} only {NUM}% of the random patterns come back from {NUM} "
                                           rf"flipped cells, yet {NUM}% of them",
                                     "zh": rf"在 P/N = {NUM} 时，只有 {NUM}% 的随机模式能从 {NUM} 个翻转的格子回来，但其中 "
                                           rf"{NUM}% 仍是不动点"}) == [half, lost, flips, kept]
    every, fewer = stated(lang, "hopfield", {"en": rf"every pattern comes back up to P/N = {NUM}, and from P/N = {NUM} "
                                                   "fewer than half do",
                                             "zh": rf"直到 P/N = {NUM} 每个模式都能回来，从 P/N = {NUM} 开始回来的不到一半"})
    whole = [p.patterns / CAPACITY_CELLS for p in capacity.points if p.recalled == 1]
    assert every == max(whole) and whole == [p.patterns / CAPACITY_CELLS for p in capacity.points[:len(whole)]]
    assert fewer == half


# ---------------------------------------------------------------------------- lesson 25


@pytest.fixture(scope="module")
def autoencoder_runs():
    """The plain AE and the VAE at their lesson settings after 10 epochs (about a second each)."""
    runs = {}
    for kind in ("ae", "vae"):
        lab = lab_class("autoencoder")(**{**LESSONS["en"]["autoencoders"].params, "kind": kind})
        for _ in range(10):
            lab.epoch()
        runs[kind] = lab.snapshot()
    return runs


@pytest.mark.parametrize("lang", LANGS)
def test_autoencoder_numbers_are_what_the_lab_computes(lang, autoencoder_runs):
    from dltui.labs.autoencoder import HIDDEN, digits, kl_divergence, sparsity_penalty

    params = LESSONS["en"]["autoencoders"].params
    lab = lab_class("autoencoder")
    count = {kind: sum(p.data.size for p in lab(**{**params, "kind": kind}).model.parameters()) for kind in ("ae", "vae")}
    ae_count, head, vae_count = stated(lang, "autoencoders", {
        "en": rf"That is {NUM} weights and biases \(the VAE's second head adds {NUM}, for {NUM}\)",
        "zh": rf"共 {NUM} 个权重和偏置（VAE 的第二个输出头再多 {NUM} 个，共 {NUM} 个）"})
    assert (ae_count, head, vae_count) == (count["ae"], count["vae"] - count["ae"], count["vae"])
    train, test, _ = digits()
    shown = stated(lang, "autoencoders", {"en": rf"places every one of the {NUM} test digits", "zh": rf"把 {NUM} 个测试数字"})
    assert shown == [len(autoencoder_runs["ae"].codes)] == [len(test)]
    mean_digit = stated(lang, "autoencoders", {"en": rf"\*\*mean digit\*\*, which is {NUM} per pixel",
                                               "zh": rf"它与测试数字的平均距离是每像素 {NUM}"})
    assert mean_digit == [round(float(np.mean((test - train.mean(axis=0)) ** 2)), 3)]
    noise, noisy = stated(lang, "autoencoders", {"en": rf"At the default {NUM} the noisy test digits are {NUM} per pixel",
                                                 "zh": rf"默认的 {NUM} 下，带噪声的测试数字与干净数字相差每像素 {NUM}"})
    denoising = lab(**{**params, "kind": "denoising"})
    assert noise == denoising.params["noise"] and noisy == round(denoising.snapshot().noisy_error, 3)

    sparse = stated(lang, "autoencoders", {
        "en": rf"where each costs {NUM} nats at ρ = {NUM}, and the {NUM} together {SIGNED}",
        "zh": rf"在 ρ = {NUM} 时每个单元的代价是 {NUM} 奈特，{NUM} 个合计 {SIGNED}"})
    cost, rho, units, total = (sparse[1], sparse[0], *sparse[2:]) if lang == "zh" else sparse
    with no_grad():
        one = sparsity_penalty(Tensor(np.full((4, 1), 0.5)), rho).item()
    assert rho == params["rho"] and units == HIDDEN and (cost, total) == (round(one, 3), round(units * one, 1))

    mu1, mu2, var1, var2, kl = stated(lang, "autoencoders", {
        "en": rf"μ = \({SIGNED}, {SIGNED}\) and σ² = \({NUM}, {NUM}\) give [^=]*= {NUM} nats",
        "zh": rf"μ = \({SIGNED}, {SIGNED}\)、σ² = \({NUM}, {NUM}\) 给出 [^=]*= {NUM} 奈特"})
    with no_grad():
        assert kl == round(kl_divergence(Tensor([[mu1, mu2]]), Tensor(np.log([[var1, var2]]))).item(), 3)

    ae, vae = autoencoder_runs["ae"], autoencoder_runs["vae"]
    epochs, x, y, gap = stated(lang, "autoencoders", {
        "en": rf"after {NUM} epochs the plain autoencoder's codes are centred at \({SIGNED}, {SIGNED}\), and z lands "
              rf"{NUM} spacings",
        "zh": rf"训练 {NUM} 轮后，普通自动编码器的编码中心在 \({SIGNED}, {SIGNED}\)，z 离编码有 {NUM} 个间距"})
    assert epochs == ae.epoch == 10 and [x, y] == list(np.round(ae.code_mean, 2)) and gap == round(ae.prior_gap, 1)
    epochs, x, y, sx, sy, gap = stated(lang, "autoencoders", {
        "en": rf"after {NUM} epochs the VAE's codes have mean \({SIGNED}, {SIGNED}\) and standard deviation "
              rf"\({NUM}, {NUM}\), and z from N\(0, I\) lands {NUM} spacings",
        "zh": rf"训练 {NUM} 轮后，VAE 编码的均值为 \({SIGNED}, {SIGNED}\)，标准差为 \({NUM}, {NUM}\)，从 N\(0, I\) 抽的 z "
              rf"离编码只有 {NUM} 个间距"})
    assert epochs == vae.epoch == 10 and [x, y] == list(np.round(vae.code_mean, 2))
    assert [sx, sy] == list(np.round(vae.code_std, 2)) and gap == round(vae.prior_gap, 2)
    run_to = stated(lang, "autoencoders", {"en": rf"run on to {NUM} epochs", "zh": rf"一直跑到 {NUM} 轮"})
    assert run_to == [vae.max_epochs]


# ---------------------------------------------------------------------------- lesson 24
POWERS = r"([⁰¹²³⁴⁵⁶⁷⁸⁹⁺]+)"


def exponent(lang: str, lesson_id: str, patterns: dict[str, str]) -> int:
    """The superscript the sentence holds (the pattern's one group, POWERS), as a number: '⁹⁶' is 96, '⁶⁴⁺³²' 96."""
    found = re.search(patterns[lang], lesson_text(lang, lesson_id))
    assert found, f"{lesson_id} ({lang}) no longer says: {patterns[lang]}"
    return sum(int(part.translate(SUPERSCRIPT)) for part in found[1].split("⁺"))


@pytest.fixture(scope="module")
def rbm_runs():
    """Lesson 24's lab at its settings: the rbm part's first update and its whole run, one Gibbs step from noise, the
    tiny BM, and the DBN."""
    params = LESSONS["en"]["rbm"].params
    lab = lab_class("rbm")(**params)
    first = lab.perform("step")
    while not lab.finished:
        lab.act("epoch")
    sample = lab_class("rbm")(**{**params, "part": "sample"})
    sample.act("step")
    dbn = lab_class("rbm")(**{**params, "part": "dbn"})
    while not dbn.finished:
        dbn.act("step")
    return dict(first=first, trained=lab.snapshot(), sample=sample.snapshot(), dbn=dbn.snapshot(),
                bm=lab_class("rbm")(**{**params, "part": "bm"}).snapshot())


@pytest.mark.parametrize("lang", LANGS)
def test_rbm_numbers_are_what_the_lab_computes(lang, rbm_runs):
    from dltui.labs.rbm import BATCH, CHAINS
    params, states = LESSONS[lang]["rbm"].params, 64 + LESSONS[lang]["rbm"].params["hidden"]
    assert exponent(lang, "rbm", {"en": rf"64 visible and {params['hidden']} hidden units it sums 2{POWERS} terms",
                                  "zh": rf"64 个可见单元和 {params['hidden']} 个隐藏单元时，它要对 2{POWERS} 项求和"}) == states
    assert exponent(lang, "rbm", {"en": rf"a sum over 2{POWERS} states for the lab's RBM",
                                  "zh": rf"对实验里的受限玻尔兹曼机，这是 2{POWERS} 个状态的和"}) == states
    t = rbm_runs["bm"].table
    lateral, *v, joint, product, off, on = stated(lang, "rbm", {
        "en": rf"At L = {NUM} and v = \((\d), (\d), (\d)\) the exact p\(h₁ = 1, h₂ = 1 \| v\) is {NUM}, while the product "
              rf"of the two marginals gives {NUM}, and p\(h₁ = 1 \| v\) is {NUM} when h₂ = 0 but {NUM} when h₂ = 1",
        "zh": rf"在 L = {NUM}、v = \((\d), (\d), (\d)\) 时，精确的 p\(h₁ = 1, h₂ = 1 \| v\) 是 {NUM}，而两个边缘概率之积是 "
              rf"{NUM}；h₂ = 0 时 p\(h₁ = 1 \| v\) 是 {NUM}，h₂ = 1 时却是 {NUM}"})
    assert (lateral, v) == (t.lateral, list(t.v)) and list(t.states[3]) == [1, 1]
    assert [joint, product, off, on] == [round(x, 3) for x in (t.exact[3], t.product[3], *t.conditional[0])]
    c = rbm_runs["trained"].curves
    epochs, digits, noise = stated(lang, "rbm", {
        "en": rf"After the lab's {NUM} epochs, the test digits' mean free energy is {SIGNED} and that of random noise "
              rf"images ([\d.]*\d),",
        "zh": rf"实验训练 {NUM} 轮之后，测试数字的平均自由能是 {SIGNED}，随机噪声图像是 {NUM}，"})
    assert (epochs, digits, noise) == (params["epochs"], round(c.free_test[-1], 1), round(c.free_noise[-1], 1))
    gap = round(c.free_noise[-1] - c.free_test[-1])
    assert exponent(lang, "rbm", {"en": rf"a test digit is on average about e{POWERS} times as probable",
                                  "zh": rf"平均而言一个测试数字的概率约是一张噪声图像的 e{POWERS} 倍"}) == gap
    quiz = {q.id: q for q in LESSONS[lang]["rbm"].quiz}
    assert f"e{str(gap).translate(str.maketrans('0123456789', '⁰¹²³⁴⁵⁶⁷⁸⁹'))}" in " ".join(quiz["free-energy-gap"].choices)
    assert stated(lang, "rbm", {"en": rf"a mean free energy of about {SIGNED} for test digits and about {NUM} for noise",
                                "zh": rf"测试数字的平均自由能约为 {SIGNED}，噪声图像约为 {NUM}。"}) == [
        round(c.free_test[-1]), round(c.free_noise[-1])]
    u = rbm_runs["first"].update
    batch, lr, unit, pixel, unit_again, row, col, positive, negative, lr_again, difference, delta = stated(lang, "rbm", {
        "en": rf"The very first update \(mini-batch of {NUM}, η = {NUM}\) moves W\[(\d+),(\d+)\], between hidden unit "
              rf"(\d+) and pixel \((\d),(\d)\): data {NUM}, CD-1 {NUM}, so ΔW = {NUM}·{NUM} = ([\d.]*\d)\.",
        "zh": rf"第一次更新（小批量大小 {NUM}，η = {NUM}）变化最大的是 W\[(\d+),(\d+)\]，即隐藏单元 (\d+) 与像素 "
              rf"\((\d),(\d)\) 之间的权重：数据 {NUM}，CD-1 {NUM}，所以 ΔW = {NUM}·{NUM} = ([\d.]*\d)。"})
    assert (batch, lr, lr_again, unit, unit_again, pixel) == (BATCH, params["lr"], u.lr, u.unit, u.unit, u.pixel)
    assert (row, col) == divmod(u.pixel, 8) and u.k == 1
    assert [positive, negative, difference, delta] == [round(x, 4) for x in (u.positive, u.negative,
                                                                              u.positive - u.negative, u.delta)]
    start, one, ten = stated(lang, "rbm", {"en": rf"from {NUM} to {NUM} after one epoch and ([\d.]*\d) after ten, on the test digits",
                                           "zh": rf"测试数字上从 {NUM} 降到一轮后的 {NUM}，十轮后的 ([\d.]*\d)"})
    assert params["epochs"] == c.epochs[-1] == 10
    assert [start, one, ten] == [round(x, 4) for x in (c.recon_test[0], c.recon_test[list(c.epochs).index(1)], c.recon_test[-1])]
    s = rbm_runs["sample"]
    chains, = stated(lang, "rbm", {"en": rf"then {NUM} Gibbs chains started from pure noise", "zh": rf"从纯噪声出发跑 {NUM} 条吉布斯链"})
    noisy, stepped, test = stated(lang, "rbm", {
        "en": rf"turn noise {NUM} pixels away from the nearest training digit into images {NUM} pixels away \(a test "
              rf"digit is {NUM} away",
        "zh": rf"离最近的训练数字 {NUM} 个像素的噪声就变成了只差 {NUM} 个像素的图像（一个测试数字离它最近的训练数字差 {NUM} 个像素）"})
    assert chains == CHAINS and s.steps == 1
    assert [noisy, stepped, test] == [round(x, 1) for x in (s.chain_distance[0], s.chain_distance[1], s.digit_distance)]


@pytest.mark.parametrize("lang", LANGS)
def test_dbn_numbers_are_what_the_lab_computes(lang, rbm_runs):
    from dltui.labs.rbm import BATCH, binary_digits
    params, dbn = LESSONS[lang]["rbm"].params, rbm_runs["dbn"]
    train, _, test, _ = binary_digits()
    sizes = stated(lang, "rbm", {"en": r"both, (\d+) → (\d+) → (\d+) → (\d+), and fine-tunes",
                                 "zh": r"两步都做，(\d+) → (\d+) → (\d+) → (\d+)，"})
    assert sizes == [64, params["hidden"], params["hidden"] // 2, 10]
    images, labels, epochs, pre, digits, rand = stated(lang, "rbm", {
        "en": rf"Pre-training uses all {NUM} training images without labels; fine-tuning sees only {NUM} labelled ones\. "
              rf"After {NUM} epochs the pre-trained net reaches {NUM}% on the {NUM} test digits, the random one {NUM}%\.",
        "zh": rf"预训练用全部 {NUM} 张训练图像，不看标签；微调只看其中 {NUM} 张带标签的。{NUM} 轮之后，预训练过的网络在 "
              rf"{NUM} 个测试数字上达到 {NUM}%，随机初始化的只有 {NUM}%。"})
    if lang == "zh":  # "20 轮之后，预训练过的网络在 360 个测试数字上达到 84%": the count comes first
        pre, digits = digits, pre
    assert (images, digits) == (len(train), len(test)) and (labels, epochs) == (dbn.labels, dbn.finetune)
    assert (pre, rand) == (round(100 * dbn.accuracy["pre-trained"][-1]), round(100 * dbn.accuracy["random"][-1]))
    quiz = {q.id: q for q in LESSONS[lang]["rbm"].quiz}
    assert quiz["dbn-accuracy"].answer == pre
    asked = stated(lang, "rbm", {"en": rf"\({NUM} pre-training epochs per RBM, then {NUM} fine-tuning epochs on {NUM} labelled",
                                 "zh": rf"（每个受限玻尔兹曼机预训练 {NUM} 轮，然后在 {NUM} 个带标签的数字上微调 {NUM} 轮）"})
    assert asked == ([params["pretrain"], params["finetune"], params["labels"]] if lang == "en"
                     else [params["pretrain"], params["labels"], params["finetune"]])
    assert stated(lang, "rbm", {"en": rf"The pre-trained net reaches {NUM}% while the same net from random weights is at {NUM}%",
                                "zh": rf"预训练过的网络达到 {NUM}%，同一个网络从随机权重出发只有 {NUM}%"}) == [pre, rand]
    assert stated(lang, "rbm", {"en": rf"and {NUM} mini-batches an epoch", "zh": rf"每轮只有 {NUM} 个小批量"}) == [
        math.ceil(params["labels"] / BATCH)]
    assert stated(lang, "rbm", {"en": rf"learned from all {NUM} training images", "zh": rf"用的是全部 {NUM} 张训练图像"}) == [
        len(train)]


# ---------------------------------------------------------------------------- lesson 26
@pytest.mark.parametrize("lang", LANGS)
def test_dcgan_numbers_are_what_the_lab_computes(lang):
    """Sizes and counts from the networks at the lesson's settings, the real digits' references, LeNet's reading of
    the untrained G, and the transposed-convolution example; none needs training."""
    from dltui.engine import functional as F
    from dltui.labs.dcgan import EVAL_EVERY, FC_UNITS, FIXED, RUN_ROUNDS, SLOPE, real_reference
    lesson = LESSONS[lang]["dcgan"]
    lab = lab_class("dcgan")(**lesson.params)
    s = lab.snapshot()
    g, d = stated(lang, "dcgan", {"en": rf"At the defaults G has {NUM} parameters and D {NUM}",
                                  "zh": rf"默认设置下 G 有 {NUM} 个参数， ?D 有 {NUM} 个"})
    assert (g, d) == (sum(layer.params for layer in s.g_layers), sum(layer.params for layer in s.d_layers))
    z, c, k, weights = stated(lang, "dcgan", {"en": rf"{NUM}·{NUM}·{NUM}·2 = {NUM} weights",
                                              "zh": rf"{NUM}·{NUM}·{NUM}·2 = {NUM} 个权重"})
    assert (z, c, k, weights) == (s.z_dim, s.g_layers[0].shape[0], s.g_layers[0].shape[1], s.g_layers[0].params)
    block = re.search(r"G z (\d+)×1×1 (.*?) D x 1×8×8 (.*?) logit", lesson_text(lang, "dcgan"))
    assert int(block[1]) == s.z_dim
    for drawn, net in ((block[2], s.g_layers), (block[3], s.d_layers)):
        convs = [(layer.name.split()[0], " ".join(layer.name.split()[2:]), "×".join(map(str, layer.shape)))
                 for layer in net if layer.name.startswith("Conv")]
        assert re.findall(r"(ConvT|Conv) +(k\d(?: s\d)?(?: p\d)?) +(\d+×\d+×\d+)", drawn) == convs
    real_nearest, real_spread = real_reference()
    for pattern in ({"en": rf"unseen real digits are {NUM} away", "zh": rf"没见过的真实数字相距 {NUM}"},
                    {"en": rf"toward the real digits' {NUM}\.", "zh": rf"向真实数字的 {NUM} 靠近"}):
        assert stated(lang, "dcgan", pattern) == [round(real_nearest, 2)]
    assert stated(lang, "dcgan", {"en": rf"\({NUM} for real digits", "zh": rf"（真实数字为 {NUM}"}) == [
        round(real_spread, 2)]
    for pattern in ({"en": rf"at round 0 it reads the grey smudges with {NUM}% confidence",
                     "zh": rf"第 0 轮时它读那些灰团的平均把握就有 {NUM}%"},
                    {"en": rf"yet LeNet reads them with {NUM}% confidence", "zh": rf"LeNet 读它们的平均把握却有 {NUM}%"}):
        assert stated(lang, "dcgan", pattern) == [round(100 * s.last.sure)]
    assert s.rounds == 0
    assert stated(lang, "dcgan", {"en": rf"every {NUM} rounds, each sample", "zh": rf"每 {NUM} 轮还测量"}) == [EVAL_EVERY]
    assert stated(lang, "dcgan", {"en": rf"the {NUM} samples stay nearly one picture",
                                  "zh": rf"{NUM} 个样本整个训练过程"}) == [FIXED]
    assert stated(lang, "dcgan", {"en": rf"G's samples for {NUM} different z's", "zh": rf"G 对 {NUM} 个不同 z"}) == [FIXED]
    assert stated(lang, "dcgan", {"en": rf"adds a {NUM}-unit hidden layer", "zh": rf"各加一个 {NUM} 个单元的隐藏层"}) == [
        FC_UNITS]
    assert stated(lang, "dcgan", {"en": rf"\*\*e\*\* {NUM} rounds", "zh": rf"\*\*e\*\* {NUM} 轮"}) == [RUN_ROUNDS]
    assert stated(lang, "dcgan", {"en": rf"LeakyReLU \(slope {NUM}\) in D", "zh": rf"D 用 LeakyReLU（斜率 {NUM}）"}) == [SLOPE]
    assert stated(lang, "dcgan", {"en": rf"paper's learning rate {NUM} and β₁", "zh": rf"论文中的学习率 {NUM}、β₁"}) == [
        lab.params["lr"]]
    stamps = F.conv_transpose2d(Tensor(np.array([[[[1.0, 2.0], [3.0, 4.0]]]])), Tensor(np.ones((1, 1, 3, 3))),
                                stride=2).data[0, 0]
    quiz = {q.id: q for q in lesson.quiz}
    assert stamps.shape == (5, 5) and quiz["stamps"].answer == stamps[2, 2]
    assert sorted({stamps[1, 2], stamps[2, 1], stamps[2, 3], stamps[3, 2]}) == stated(lang, "dcgan", {
        "en": rf"under two stamps \({NUM}, {NUM}, {NUM} or {NUM}\)", "zh": rf"只在两个印章之下（{NUM}、{NUM}、{NUM} 或 {NUM}）"})


# ---------------------------------------------------------------------------- lesson 28
@pytest.mark.parametrize("lang", LANGS)
def test_encoder_decoder_numbers_are_what_the_lab_computes(lang):
    """Sizes, counts and the example sentence from the lab at the lesson's settings; the paper's count from the same
    formula (tests/labs/test_seq2seq.py holds it equal to torch.nn.Transformer). None needs training."""
    from dltui.labs.seq2seq import (D_FF, D_MODEL, EPOCH_STEPS, HEADS, PAPER, TARGET, TEST_SIZE, TINY, WORDS,
                                    parameter_breakdown, task_target)
    lesson = LESSONS[lang]["encoder-decoder"]
    s = lab_class("seq2seq")(**lesson.params).snapshot()
    tiny, paper = parameter_breakdown(TINY), parameter_breakdown(PAPER)
    layers = paper["encoder"] + paper["decoder"]  # torch.nn.Transformer's count: no embeddings
    text = lesson_text(lang, "encoder-decoder")
    assert stated(lang, "encoder-decoder", {"en": rf"d_model = {NUM}, {NUM} heads, d_ff = {NUM}, one encoder",
                                            "zh": rf"模型 d_model = {NUM}，{NUM} 个头，d_ff = {NUM}，一个编码器层"}) == [
        D_MODEL, HEADS, D_FF]
    assert stated(lang, "encoder-decoder", {"en": rf"and {NUM} parameters\. It trains", "zh": rf"共 {NUM} 个参数。它用"}) == [
        s.n_params]
    assert stated(lang, "encoder-decoder", {"en": rf"Adam on {NUM} fresh random sentences a batch, an epoch being {NUM} "
                                                  rf"batches\. {NUM} other sentences .*? gets {NUM}% of them",
                                            "zh": rf"每个小批量是 {NUM} 个新的随机句子，{NUM} 个小批量算一轮。另外 {NUM} "
                                                  rf"个句子留出.*?其中 {NUM}% 的句子"}) == [
        lesson.params["batch"], EPOCH_STEPS, TEST_SIZE, 100 * TARGET]
    assert s.held_out == TEST_SIZE
    assert stated(lang, "encoder-decoder", {
        "en": rf"The lab's model has {NUM}: {NUM} in its embeddings, {NUM} in the encoder, {NUM} in the decoder and "
              rf"{NUM} in its output layer",
        "zh": rf"实验的模型有 {NUM} 个：嵌入 {NUM} 个，编码器 {NUM} 个，解码器 {NUM} 个，输出层 {NUM} 个"}) == [
        s.tiny_total, tiny["embeddings"], tiny["encoder"], tiny["decoder"], tiny["output"]]
    assert stated(lang, "encoder-decoder", {"en": rf"that is {NUM} parameters in the layers",
                                            "zh": rf"各层共有 {NUM} 个参数"}) == [layers]
    assert stated(lang, "encoder-decoder", {"en": rf"embedding table of {NUM} × {NUM} .*?, {NUM} more: {NUM} in all",
                                            "zh": rf"共享一张 {NUM} × {NUM} 的嵌入表，多出 {NUM} 个：合计 {NUM}"}) == [
        PAPER.source_vocab, PAPER.d_model, paper["embeddings"], s.paper_total]
    assert stated(lang, "encoder-decoder", {"en": rf"d_model = {NUM}, {NUM} heads and a feed-forward width d_ff = {NUM}",
                                            "zh": rf"d_model = {NUM}，{NUM} 个头，前馈宽度 d_ff = {NUM}"}) == [
        PAPER.d_model, PAPER.heads, PAPER.d_ff]
    quiz = {q.id: q for q in lesson.quiz}
    assert quiz["masked-cells"].answer == np.isinf(s.mask).sum() and quiz["tiny-params"].answer == s.n_params
    assert quiz["paper-params"].answer == layers
    for part in ("embeddings", "encoder", "decoder", "output"):
        assert f"{tiny[part]:,}" in quiz["tiny-params"].explanation
    encoder_layer = (paper["encoder"] - 2 * PAPER.d_model) // 6
    decoder_layer = (paper["decoder"] - 2 * PAPER.d_model) // 6
    assert f"{encoder_layer:,}" in quiz["paper-params"].explanation
    assert f"{decoder_layer:,}" in quiz["paper-params"].explanation
    assert re.search(r"`((?:[a-z]+ ){4}[a-z]+)`", text)[1] == " ".join(s.words)  # the first held-out sentence
    totals, digits = re.search(r"[(（](\d(?: \d){4})[)）].*?[(（](\d(?: \d){4})[)）]", text).groups()
    source = np.array([[WORDS.index(w) for w in s.words]])
    assert totals == " ".join(map(str, s.target)) == " ".join(map(str, task_target("totals", source)[0]))
    assert digits == " ".join(map(str, task_target("digits", source)[0]))
    example = re.search(r"encoder in +(.+?) decoder in +<s> +(.+?) target +(.+?) ```", text)
    source = np.array([[WORDS.index(w) for w in example[1].split()]])
    target = task_target("totals", source)[0]
    assert example[3].split() == [str(d) for d in target] and example[2].split() == [str(d) for d in target[:-1]]


# ---------------------------------------------------------------------------- lesson 30


@pytest.fixture(scope="module")
def recursive_run():
    """The lesson's 800 steps (a few seconds), trained once for both languages."""
    lab = lab_class("recursive")(**LESSONS["en"]["more-architectures"].params)
    lab.act("train")
    return lab


@pytest.mark.parametrize("lang", LANGS)
def test_more_architectures_numbers_are_what_the_explorer_and_the_lab_compute(lang, recursive_run):
    from dltui.labs.recursive import TRAIN_SIZES, UNSEEN, UNSEEN_ROWS, bracketings, value

    def params(name, prefix=""):
        return sum(l.params for l in architecture(name).layers if l.name.startswith(prefix))

    alexnet_fc = sum(l.params for l in architecture("alexnet").layers if l.kind.startswith("linear"))
    claims = [
        ({"en": rf"last block costs {NUM}\s+parameters where AlexNet's three linear layers cost {NUM}",
          "zh": rf"这个最后的块只有 {NUM} 个参数，而 AlexNet 的三个全连接层有 {NUM} 个"},
         [params("nin", "nin4"), alexnet_fc]),
        ({"en": rf"10 classes\): {NUM} parameters", "zh": rf"10 个类别）：{NUM} 个参数"}, [params("nin")]),
        ({"en": rf"first block with {NUM} channels and ends it with {NUM} \+ {NUM}·{NUM} = {NUM};",
          "zh": rf"第一个块以 {NUM} 个通道开始，以 {NUM} \+ {NUM}·{NUM} = {NUM} 个结束"},
         [64, 64, 6, 32, [l.shape for l in architecture("densenet121").blocks() if l.name == "denseblock1"][0][0]]),
        ({"en": rf"block\. {NUM} parameters, torchvision's count", "zh": rf"共 {NUM} 个参数，与 torchvision"},
         [params("densenet121")]),
        ({"en": rf"narrow after it\. {NUM} parameters", "zh": rf"之后再收窄。共 {NUM} 个参数"}, [params("mobilenetv2")]),
        ({"en": rf"counts them: {NUM} parameters against {NUM}", "zh": rf"算进去：{NUM} 个参数，而不含它们时为 {NUM} 个"},
         [params("googlenetaux"), params("googlenet")]),
        ({"en": rf"= {NUM} on inception4a, and {NUM} on inception4d", "zh": rf"= {NUM}，接在有 528 个通道的 inception4d 上的为 {NUM}"},
         [params("googlenetaux", "aux1"), params("googlenetaux", "aux2")]),
    ]
    for pattern, expected in claims:
        assert stated(lang, "more-architectures", pattern) == expected, pattern[lang]
    quiz = {q.id: q for q in LESSONS[lang]["more-architectures"].quiz}
    assert quiz["aux-heads"].answer == params("googlenetaux", "aux") == params("googlenetaux") - params("googlenet")
    assert quiz["bracketings"].answer == len(bracketings(5))

    lab, s = recursive_run, recursive_run.snapshot()
    numbers = (3, 1, 4, 2)
    first, balanced = bracketings(4)[0], ((0, 1), (2, 3))
    assert stated(lang, "more-architectures", {"en": rf"\(\(3 − 1\) − 4\) − 2 is {NUM}\s+and \(3 − 1\) − \(4 − 2\) is {NUM}\.",
                                               "zh": rf"\(\(3 − 1\) − 4\) − 2 等于 {NUM}，而 \(3 − 1\) − \(4 − 2\) 等于 {NUM}。"}) == [
        value(first, numbers, 5), value(balanced, numbers, 5)]
    assert stated(lang, "more-architectures", {"en": rf"learned {NUM}-vector", "zh": rf"学到的 {NUM} 维向量"}) == [
        lab.params["dim"]]
    assert stated(lang, "more-architectures", {"en": rf"numbers \({NUM} bracketings in all\)", "zh": rf"（一共 {NUM} 种加括号方式）"}) == [
        sum(len(bracketings(n)) for n in TRAIN_SIZES)]
    seen_trees = sum(len(bracketings(n)) * 5 ** n for n in TRAIN_SIZES)
    m = s.measurements[-1]
    assert m.step == lab.params["steps"] == 800
    assert stated(lang, "more-architectures", {
        "en": rf"After {NUM} steps the root is right\s+on {NUM}% of all {NUM} trees of 2 to 4 numbers, and on {NUM}% of "
              rf"{NUM} trees of five numbers, a size it\s+never saw: {NUM} choices of the numbers in each of their {NUM} "
              rf"bracketings",
        "zh": rf"训练 {NUM} 步之后，根节点在全部 {NUM} 棵 2 到 4 个数的树上 {NUM}% 正确，在 {NUM} 棵五个数的树上 {NUM}% "
              rf"正确，而这种大小它从未见过：5 个数随机取 {NUM} 组，每组取全部 {NUM} 种"}) == (
        [800, round(100 * m.seen), seen_trees, round(100 * m.unseen), UNSEEN_ROWS * len(bracketings(UNSEEN)),
         UNSEEN_ROWS, len(bracketings(UNSEEN))] if lang == "en" else
        [800, seen_trees, round(100 * m.seen), UNSEEN_ROWS * len(bracketings(UNSEEN)), round(100 * m.unseen),
         UNSEEN_ROWS, len(bracketings(UNSEEN))])


# ---------------------------------------------------------------------------- lesson 31


@pytest.fixture(scope="module")
def zoo_runs():
    """Every toy the zoo lesson quotes, run to its end: the lesson's settings, then the settings its text changes."""
    from dltui.labs.zoo import ZooLab

    def ended(**params):
        lab = ZooLab(**{**LESSONS["en"]["zoo"].params, **params})
        start = lab.snapshot()
        lab.act("finish")
        return lab, start, lab.snapshot()

    settings = {"rbf": {"toy": "rbf"}, "rbf3": {"toy": "rbf", "centres": 3}, "som": {"toy": "som"},
                "esn": {"toy": "esn"}, "esn15": {"toy": "esn", "radius": 1.5}, "esn2": {"toy": "esn", "radius": 2},
                "svm": {"toy": "svm"}, "svm1": {"toy": "svm", "penalty": 1}, "ar": {"toy": "ar"},
                "ar4": {"toy": "ar", "order": 4}, "deconv": {"toy": "deconv"},
                "deconv3": {"toy": "deconv", "stride": 3}}
    return {name: ended(**params) for name, params in settings.items()}


@pytest.mark.parametrize("lang", LANGS)
def test_zoo_numbers_are_what_the_lab_computes(lang, zoo_runs):
    from dltui.labs import zoo
    from dltui.labs.zoo import ar_fit, transposed
    quiz = {q.id: q for q in LESSONS[lang]["zoo"].quiz}

    def claim(en: str, zh: str) -> list[float]:
        return stated(lang, "zoo", {"en": en, "zh": zh})

    _, rbf, rbf_end = zoo_runs["rbf"]
    centres, apart, width, start = claim(rf"{NUM} centres {SIGNED} apart, widths {SIGNED}, and the weights by least "
                                         rf"squares give an MSE of {SIGNED}",
                                         rf"{NUM} 个中心相隔 {SIGNED}，宽度 {SIGNED}，用最小二乘求出的权重在 40 个带噪声的点上 "
                                         rf"MSE 为 {SIGNED}")
    assert (centres, apart, width) == (len(rbf.centres), round(rbf.centres[1] - rbf.centres[0], 2),
                                       round(rbf.widths[0], 2))
    assert start == round(rbf.start_loss, 4) and len(rbf.x) == 40
    steps, end = claim(rf"after {NUM} steps the MSE is {SIGNED}", rf"{NUM} 步后 MSE 为 {SIGNED}")
    assert (steps, end) == (rbf_end.step, round(rbf_end.history[-1], 4))
    variance, parameters = claim(rf"variance {SIGNED}, so those {NUM} parameters",
                                 rf"方差是 {SIGNED}，所以这 {NUM} 个参数")
    assert variance == pytest.approx(zoo.RBF_NOISE**2) and parameters == 3 * centres and end < variance
    _, rbf3, rbf3_end = zoo_runs["rbf3"]
    assert claim(rf"\(MSE {SIGNED}\) and moving the centres matters most: training brings it to {SIGNED}",
                 rf"（MSE {SIGNED}），移动中心最为关键：训练把它降到 {SIGNED}") == [
        round(rbf3.start_loss, 3), round(rbf3_end.history[-1], 4)]

    _, som, som_end = zoo_runs["som"]
    assert claim(rf"η shrinks from {SIGNED} to {SIGNED} over {NUM} samples and the radius σ from {NUM} grid steps to "
                 rf"{SIGNED}",
                 rf"{NUM} 个样本里，学习率 η 从 {SIGNED} 缩小到 {SIGNED}，半径 σ 从 {NUM} 个网格步长缩小到 {SIGNED}") == (
        [*zoo.SOM_RATE, zoo.SOM_SAMPLES, *zoo.SOM_RADIUS] if lang == "en" else
        [zoo.SOM_SAMPLES, *zoo.SOM_RATE, *zoo.SOM_RADIUS])
    assert claim(rf"the random start scores {NUM}%, the trained map {NUM}%", rf"随机起点为 {NUM}%，训练后为 {NUM}%") == [
        round(100 * som.topographic), round(100 * som_end.topographic)]

    _, esn, esn_end = zoo_runs["esn"]
    units, = claim(rf"A \*\*reservoir\*\* of {NUM} tanh units", rf"一个由 {NUM} 个 tanh 单元组成的")
    chunk, = claim(rf"each step of the lab adds {NUM} training samples", rf"实验每走一步加入 {NUM} 个训练样本")
    assert (units, chunk) == (zoo.ESN_UNITS, zoo.ESN_CHUNK)
    samples, error, baseline = claim(rf"After {NUM} samples the test error \(RMSE over the target's standard "
                                     rf"deviation, NRMSE\) is {SIGNED}, where repeating the last value scores {SIGNED}",
                                     rf"用了 {NUM} 个样本后，测试误差（RMSE 除以目标的标准差，即 NRMSE）为 {SIGNED}，而直接"
                                     rf"重复上一个值的得分是 {SIGNED}")
    assert (samples, error, baseline) == (esn_end.samples[-1], round(esn_end.history[-1], 4), round(esn.baseline, 3))
    # radius 2 sits at the edge of chaos: its third decimal follows the CPU's rounding (0.344 or 0.345), so the
    # lesson gives two
    errors = {"esn15": round(zoo_runs["esn15"][2].history[-1], 3), "esn2": round(zoo_runs["esn2"][2].history[-1], 2)}
    assert claim(rf"At `radius = 1\.5` the error is {SIGNED}; at 2 it is {SIGNED}",
                 rf"`radius = 1\.5` 时误差为 {SIGNED}；为 2 时是 {SIGNED}") == [errors["esn15"], errors["esn2"]]
    assert claim(rf"The test error \({SIGNED}\) is now worse than repeating the last value \({SIGNED}\)",
                 rf"测试误差（{SIGNED}）现在比直接重复上一个值（{SIGNED}）还差") == [errors["esn2"], round(esn.baseline, 3)]
    assert claim(rf"At radius 1\.5 the error is {SIGNED}, at 0\.9 it is {SIGNED}",
                 rf"半径 1\.5 时误差是 {SIGNED}，0\.9 时是 {SIGNED}") == [errors["esn15"], round(esn_end.history[-1], 4)]
    assert claim(rf"a linear system of {NUM} equations", rf"一个 {NUM} 个方程的线性方程组") == [zoo.ESN_UNITS + 1]

    _, svm, svm_end = zoo_runs["svm"]
    support, wrong = int(svm_end.support.sum()), svm_end.errors
    assert claim(rf"After {NUM} steps: {NUM} support vectors, {NUM} points on the wrong side, margin {SIGNED}",
                 rf"{NUM} 步后：{NUM} 个支持向量，{NUM} 个点在错误的一侧，间隔 {SIGNED}") == [
        svm_end.step, support, wrong, round(svm_end.margin, 3)]
    assert quiz["support-vectors"].answer == support
    assert claim(rf"{NUM} of the {NUM} points have y·f\(x\) ≤ 1: .*\({NUM} of them are on the wrong side\)\. .* "
                 rf"the other {NUM} a little",
                 rf"{NUM} 个点中有 {NUM} 个满足 y·f\(x\) ≤ 1：.*（其中 {NUM} 个在错误的一侧）。.*把其余 {NUM} 个点") == (
        [support, 40, wrong, 40 - support] if lang == "en" else [40, support, wrong, 40 - support])
    svm1 = zoo_runs["svm1"][2]
    assert claim(rf"margin widens to {SIGNED} and {NUM} points", rf"间隔变宽到 {SIGNED}，{NUM} 个点") == [
        round(svm1.margin, 3), int(svm1.support.sum())]

    ar_lab, _, ar = zoo_runs["ar"]
    ar4_lab, _, ar4 = zoo_runs["ar4"]
    assert claim(rf"on {NUM} values of two sines \(periods {SIGNED} and {SIGNED}\)",
                 rf"在 {NUM} 个带噪声的双正弦值（周期 {SIGNED} 和 {SIGNED}）") == [zoo.AR_TRAIN, *zoo.AR_PERIODS]
    rollouts = [round(ar4.history[-1], 3), round(ar.history[-1], 3)]
    assert claim(rf"AR\(4\) rolls out with an RMSE of {SIGNED} over {NUM} values, and AR\(8\) with {SIGNED}",
                 rf"AR\(4\) 滚动预测 {NUM} 个值的 RMSE 为 {SIGNED}，AR\(8\) 为 {SIGNED}") == (
        [rollouts[0], zoo.AR_AHEAD, rollouts[1]] if lang == "en" else [zoo.AR_AHEAD, *rollouts])
    assert claim(rf"AR\(4\) rolls out badly \(RMSE {SIGNED}\) and AR\(8\) well \({SIGNED}\)",
                 rf"AR\(4\) 的滚动预测很差（RMSE {SIGNED}），AR\(8\) 却很好（{SIGNED}）") == rollouts
    t = np.arange(200)
    clean = ar_fit(np.sin(2 * np.pi * t / 16) + 0.6 * np.sin(2 * np.pi * t / 6.5), 4)
    assert claim(rf"\(about {SIGNED}, {SIGNED}, {SIGNED}, {SIGNED}\)",
                 rf"（约 {SIGNED}、{SIGNED}、{SIGNED}、{SIGNED}）") == list(np.round(clean, 2))
    assert claim(rf"deviation {SIGNED}, least squares .*: {SIGNED}, {SIGNED}, {SIGNED}, {SIGNED}\. .* "
                 rf"\(RMSE {SIGNED}\)",
                 rf"标准差为 {SIGNED} 的.*的系数：{SIGNED}、{SIGNED}、{SIGNED}、{SIGNED}。.*（RMSE {SIGNED}）") == [
        zoo.AR_NOISE, *np.round(ar4_lab.coefficients, 2), round(ar4.one_step_error, 3)]

    deconv, deconv3 = zoo_runs["deconv"][2], zoo_runs["deconv3"][2]
    side, = claim(rf"At stride 2 the 3×3 input becomes {NUM}×", rf"步幅为 2 时，3×3 的输入变成 {NUM}×")
    assert side == deconv.full.shape[0] and deconv.stride == 2 and quiz["deconv-side"].answer == deconv3.full.shape[0]
    covered = transposed(np.ones((3, 3)), np.ones((3, 3)), 2, 0)
    assert claim(rf"some cells lie under {NUM} stamp, some under {NUM} and some under {NUM}",
                 rf"有的格子在 {NUM} 个印章之下，有的在 {NUM} 个之下，有的在 {NUM} 个之下") == sorted(set(covered.ravel()))
    even = transposed(np.ones((3, 3)), np.ones((4, 4)), 2, 0)[2:-2, 2:-2]
    assert claim(rf"A 4×4 kernel at stride 2 covers every inner cell with {NUM} stamps",
                 rf"换用 4×4 的卷积核，内部每个格子都在 {NUM} 个印章之下") == [even[0, 0]] and np.all(even == even[0, 0])


# ---------------------------------------------------------------------------- lesson 27
@pytest.mark.parametrize("lang", LANGS)
def test_word2vec_numbers_are_what_the_lab_computes(lang):
    """The corpus, the vocabulary, the model's size, the first epoch's subsampling and examples and the first
    example's loss, at the lesson's settings: none needs training beyond one mini-batch."""
    from dltui.labs.word2vec import BATCH, CORPUS, MAPPED, corpus, keep_probability, noise_distribution, speeches
    from dltui.labs.char_lm import asset_path
    lesson = LESSONS[lang]["word2vec"]
    params = lesson.params
    lab = lab_class("word2vec")(**params)
    s = lab.perform("step")
    c = corpus(params["min_count"])
    claim = lambda en, zh: stated(lang, "word2vec", {"en": en, "zh": zh})  # noqa: E731
    assert claim(rf"{NUM} words in {NUM} speeches", rf"{NUM} 段台词共 {NUM} 个词") == (
        [sum(map(len, speeches())), len(speeches())] if lang == "en" else [len(speeches()), sum(map(len, speeches()))])
    assert claim(rf"the first {NUM} KB of Karpathy", rf"tinyshakespeare 的前 {NUM} KB") == [
        round(len(__import__("gzip").open(asset_path(CORPUS)).read()) / 1000)]
    assert claim(rf"at least `min_count`\s*\({NUM}\) times make the vocabulary, V = {NUM}; the text keeps {NUM}",
                 rf"出现至少 `min_count`（{NUM}）次的词组成词表，V = {NUM}；文本保留其中的 {NUM} 个词") == [
        params["min_count"], s.words, s.tokens]
    assert claim(rf"With d = {NUM} the model has {NUM} parameters, two tables of {NUM}×{NUM}",
                 rf"d = {NUM} 时模型有 {NUM} 个参数，即两张 {NUM}×{NUM} 的表") == [
        s.dim, s.parameters, s.words, s.dim]
    assert claim(rf"{NUM} examples per mini-batch", rf"每个小批量 {NUM} 个样本") == [BATCH]
    assert claim(rf"the first epoch subsampling keeps {NUM} words, and a window of {NUM} makes {NUM} skip-gram pairs",
                 rf"第一轮中二次采样保留 {NUM} 个词，窗口为 {NUM} 时由它们得到 {NUM} 个跳字词对") == [
        s.kept, s.window, s.examples]
    cbow = lab_class("word2vec")(**{**params, "model": "cbow"}).snapshot()
    assert claim(rf"CBOW: {NUM} windows", rf"连续词袋模型：{NUM} 个窗口") == [cbow.examples]
    k = params["negatives"]
    assert claim(rf"loss is {NUM}·ln 2 = {NUM} for k = {NUM}", rf"k = {NUM} 时第一个样本的损失是 {NUM}·ln 2 = {NUM}") == (
        [k + 1, round(s.last.loss, 3), k] if lang == "en" else [k, k + 1, round(s.last.loss, 3)])
    quiz = {q.id: q for q in lesson.quiz}
    assert quiz["start-loss"].answer == round(s.last.loss, 3) == round((k + 1) * math.log(2), 3)
    the = c.index["the"]
    f, keep = c.counts[the] / c.total, keep_probability(c.counts, params["subsample"])
    assert the == 0 and claim(rf"\"the\" \({NUM} times, f = {NUM}\) is kept with probability {NUM}",
                              rf"“the”（出现 {NUM} 次，f = {NUM}）被保留的概率是 {NUM}") == [
        c.counts[the], round(f, 3), round(keep[the], 3)]
    assert quiz["keep-the"].answer == round(keep[the], 3)
    assert claim(rf"√\({NUM}/{NUM}\) = {NUM}", rf"√\({NUM}/{NUM}\) = {NUM}") == [
        params["subsample"], round(f, 5), round(keep[the], 3)]
    assert claim(rf"\({NUM} of the {NUM}\) is always kept", rf"（{NUM} 个中的 {NUM} 个）总是保留") == (
        [int((keep >= 1).sum()), s.words] if lang == "en" else [s.words, int((keep >= 1).sum())])
    assert claim(rf"kept {NUM}% of the time", rf"会有 {NUM}% 的时候被保留") == [round(100 * (1 - keep[the]))]
    share = [round(100 * f, 1), round(100 * noise_distribution(c.counts)[the], 1)]
    for en, zh in ((rf"is {NUM}% of the lab's text and {NUM}% of its noise words", rf"占实验文本的 {NUM}%，只占噪声词的 {NUM}%"),
                   (rf"is {NUM}% of the text but {NUM}% of the noise words", rf"占文本的 {NUM}%，却只占噪声词的 {NUM}%")):
        assert claim(en, zh) == share
    assert claim(rf"commonest word, {NUM}% of the text", rf"最常见的词，占文本的 {NUM}%") == share[:1]
    assert claim(rf"draws the {NUM} commonest words", rf"把 {NUM} 个最常见的词") == [MAPPED]
    assert claim(rf"train the {NUM} epochs", rf"按 `r` 训练 {NUM} 轮") == [params["epochs"]]
    assert claim(rf"follows all {NUM} examples", rf"依据的是全部 {NUM} 个样本") == [BATCH]


# ---------------------------------------------------------------------------- lesson 29
@pytest.mark.parametrize("lang", LANGS)
def test_bert_gpt_numbers(lang):
    """The language's sizes, BERT's corruption rates, GPT's floor, the prompt and the trainable counts, from the lab's
    own constants and the engine's count of parameters that require a gradient (a finetune lab built on stand-in
    pre-trained weights: counts do not depend on what the weights are)."""
    from dltui.engine import manual_seed
    from dltui.labs import pretrain as P

    def claim(en: str, zh: str) -> list[float]:
        return stated(lang, "bert-gpt", {"en": en, "zh": zh})

    train, held = P.corpus(0)
    assert claim(rf"{NUM} names, {NUM} verbs and {NUM} foods make {NUM} sentences over {NUM} tokens; {NUM} are for "
                 rf"pre-training and {NUM} are held out",
                 rf"{NUM} 个名字、{NUM} 个动词和 {NUM} 种食物组成 {NUM} 个句子，共 {NUM} 个词元；其中 {NUM} 个用于预训练，"
                 rf"{NUM} 个留出") == [len(P.NAMES), len(P.VERBS), len(P.FOODS), len(P.SENTENCES), len(P.VOCAB),
                                       len(train), len(held)]
    assert claim(rf"have d_model = {NUM}, {NUM} heads and {NUM} layers", rf"都是 d_model = {NUM}、{NUM} 个头、{NUM} 层") == [
        P.D_MODEL, P.HEADS, P.LAYERS]
    assert claim(rf"Choose {NUM}% of the words at random. Of the chosen, {NUM}% become `\[MASK\]`, {NUM}% a random "
                 rf"word, and {NUM}% stay",
                 rf"随机选中 {NUM}% 的词。被选中的词中，{NUM}% 换成 `\[MASK\]`，{NUM}% 换成随机词，{NUM}% 保持不变") == [
        100 * P.MASK_RATE, *(100 * share for share in P.SPLIT)]
    ideal = (2 * math.log(len(P.NAMES)) + math.log(len(P.VERBS))) / (P.LENGTH - 1)
    assert claim(rf"\(2·ln 8 \+ ln 2\)/8 = {NUM} if every sentence were equally likely, {NUM} on the lab's {NUM} sentences",
                 rf"\(2·ln 8 \+ ln 2\)/8 = {NUM}，在实验的 {NUM} 个句子上是 {NUM}") == (
        [round(ideal, 3), round(P.next_word_floor(0), 3), len(train)] if lang == "en"
        else [round(ideal, 3), len(train), round(P.next_word_floor(0), 3)])
    quiz = {q.id: q for q in LESSONS[lang]["bert-gpt"].quiz}
    assert quiz["floor"].answer == round(ideal, 3)
    assert claim(rf"over {NUM} draws from each of the {NUM} held-out prompts \({NUM}\)",
                 rf"来自 {NUM} 个留出提示各抽 {NUM} 次（共 {NUM} 次）") == (
        [P.SAMPLES, len(held), P.SAMPLES * len(held)] if lang == "en" else [len(held), P.SAMPLES, P.SAMPLES * len(held)])
    first = " ".join(P.VOCAB[t] for t in held[0][1:])
    assert first.replace("soup", "____", 1) in lesson_text(lang, "bert-gpt")  # the quiz's prompt is the lab's first
    x_train, y_train, x_test, _ = P.labelled(0)
    assert claim(rf"{NUM} sentences and a broken copy of each are labelled for training, the other {NUM}",
                 rf"{NUM} 个句子及各自的一个损坏副本标注后用于训练，另外 {NUM} 个") == [P.LABELLED, len(x_test) // 2]
    assert claim(rf"{NUM} labelled examples are too few", rf"{NUM} 个有标注的例子太少") == [len(y_train)]
    assert claim(rf"with α = {NUM}", rf"α = {NUM}；") == [P.ALPHA]
    assert claim(rf"pre-train both models for {NUM} epochs", rf"把两个模型预训练 {NUM} 轮") == [P.PRE_EPOCHS]
    assert claim(rf"side by side for {NUM} epochs", rf"三次训练并排进行 {NUM} 轮") == [P.FINE_EPOCHS]
    table = claim(rf"r 2·2·r·\(32 \+ 32\) \+ 66 1 {NUM} 2 {NUM} 4 {NUM} 8 {NUM}",
                  rf"r 2·2·r·\(32 \+ 32\) \+ 66 1 {NUM} 2 {NUM} 4 {NUM} 8 {NUM}")
    assert table == [P.lora_trainable(r) for r in (1, 2, 4, 8)] and P.RANKS == (1, 2, 4, 8)
    assert all(P.lora_trainable(r) == 2 * P.LAYERS * r * 2 * P.D_MODEL + 66 for r in P.RANKS)
    manual_seed(0)
    P.PRETRAINED[9999] = {n: p.data.copy() for n, p in P.Encoder(P.D_MODEL, P.HEADS, P.LAYERS, False).named_parameters()}
    try:
        s = P.PretrainLab(part="finetune", seed=9999, rank=4).snapshot()
    finally:
        del P.PRETRAINED[9999]
    runs = {r.kind: r.trainable for r in s.runs}
    assert claim(rf"every weight trained \({NUM}\)", rf"训练所有权重（{NUM} 个）") == [runs["full"]]
    assert claim(rf"Full fine-tuning trains {NUM} numbers; at r = {NUM} LoRA trains {NUM} and keeps {NUM} frozen",
                 rf"全量微调要训练 {NUM} 个数；r = {NUM} 时 LoRA 训练 {NUM} 个，冻结 {NUM} 个") == [
        runs["full"], s.rank, runs["lora"], s.frozen]
    assert quiz["lora-r3"].answer == P.lora_trainable(3)
    assert claim(rf"834 in all, against {NUM} for full", rf"一共 834，而全量微调要训练 {NUM} 个") == [runs["full"]]
