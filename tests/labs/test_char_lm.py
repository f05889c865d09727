"""The character-level LM: it learns the shipped text beyond uniform guessing, samples only its
characters, and the temperature changes the sampling, not the model."""

import math

from dltui.labs import lab_class
from dltui.labs.char_lm import TEXT, asset_path

CharLM = lab_class("char_lm")
SMALL = dict(hidden=32, seq_len=16, batch=16, max_epochs=1)


def test_the_text_is_short_public_domain_and_licensed():
    path = asset_path(TEXT)
    assert path.stat().st_size <= 50_000
    assert "public domain" in path.with_name("coriolanus.LICENSE.md").read_text()


def test_one_epoch_beats_uniform_guessing_and_samples_from_the_vocabulary():
    lab = CharLM(**SMALL, sample_len=120)
    snapshot = lab.perform("epoch")
    uniform = math.log2(len(snapshot.vocab))
    assert snapshot.batches == snapshot.batches_per_epoch and lab.finished
    assert snapshot.bits_per_char < uniform - 1.0  # 5.86 bits → below 4.86 after one epoch
    assert len(snapshot.sample) == 120 and set(snapshot.sample) <= set(snapshot.vocab)
    probs = [p for _, p in snapshot.next_chars]
    assert len(probs) == 5 and probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1


def test_temperature_resamples_from_the_same_model_and_sharpens_the_distribution():
    lab = CharLM(**SMALL)
    lab.perform("epoch")
    cold = lab.reset(temperature=0.2)
    assert cold.batches == lab.batches_per_epoch, "changing τ kept the trained model"
    hot = lab.reset(temperature=2.0)
    assert cold.next_chars[0][1] > hot.next_chars[0][1]
    assert len(set(cold.sample)) < len(set(hot.sample))
    assert lab.reset(hidden=16).batches == 0, "any other control starts over"
