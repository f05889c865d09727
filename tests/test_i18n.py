"""The interface's catalogs: every message the source marks has a Chinese translation with the same fields, the
compiled catalog is the one the .po says, and the app and the CLI speak the language they are asked for."""

import gettext
import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from dltui import i18n

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = [p.name for p in i18n.LOCALE_DIR.iterdir() if (p / "LC_MESSAGES" / "dltui.po").exists()]


def source_messages() -> set[str | tuple[str, str]]:
    """What `pybabel extract -F babel.cfg` finds: every `_`, `ngettext` and `N_` message in dltui/."""
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / "dltui", method_map=[("**.py", "python")], keywords={"_": None, "N_": None, "ngettext": (1, 2)}):
        found.add(message if isinstance(message, str) else tuple(message))
    found.discard("")
    return found


def catalog(lang: str):
    with open(i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "dltui.po", "rb") as f:
        return read_po(f)


def fields(text: str) -> set[str]:
    return {name for _literal, name, _spec, _conversion in string.Formatter().parse(text) if name is not None}


@pytest.fixture(scope="module")
def messages():
    return source_messages()


def test_chinese_is_a_catalog():
    assert "zh" in LANGUAGES


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_translated_with_the_same_fields(lang, messages):
    po = catalog(lang)
    untranslated, wrong_fields = [], []
    for message in messages:
        entry = po.get(message)
        strings = () if entry is None else entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if entry is None or not all(strings) or entry.fuzzy:
            untranslated.append(message)
            continue
        originals = message if isinstance(message, tuple) else (message,)
        if any(fields(s) != fields(originals[0]) for s in strings):  # a plural's forms all take the same fields
            wrong_fields.append((message, strings))
    assert not untranslated, f"{len(untranslated)} messages without a {lang} translation: {sorted(map(str, untranslated))[:10]}"
    assert not wrong_fields, f"fields differ from the English: {wrong_fields[:5]}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_compiled_catalog_is_the_po(lang):
    """`pybabel compile` was run after the last edit of the .po: the app reads the .mo."""
    compiled = gettext.translation(i18n.DOMAIN, i18n.LOCALE_DIR, [lang])
    for entry in catalog(lang):
        if not entry.id:
            continue
        if isinstance(entry.id, tuple):
            assert compiled.ngettext(*entry.id, 1) == entry.string[0], entry.id
        else:
            assert compiled.gettext(entry.id) == entry.string, entry.id


def test_plural_forms_follow_the_language():
    forms = ("quiz: {count} question", "quiz: {count} questions")
    assert [i18n.ngettext(*forms, n).format(count=n) for n in (1, 2)] == ["quiz: 1 question", "quiz: 2 questions"]
    i18n.use("zh")
    assert [i18n.ngettext(*forms, n).format(count=n) for n in (1, 2)] == ["测验：1 题", "测验：2 题"]


def test_a_language_without_a_catalog_shows_english():
    assert i18n.use("fr") == "fr"
    assert i18n._("Quit") == "Quit"


def test_the_language_comes_from_the_environment_when_not_given(monkeypatch):
    monkeypatch.delenv("DLTUI_LANG")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    for var in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    assert i18n.use() == "zh" and i18n._("Quit") == "退出"


async def test_the_home_screen_speaks_chinese():
    from dltui.lessons import load_lessons
    from dltui.ui.app import DltuiApp

    i18n.use("zh")
    lessons, _problems = load_lessons(lang="zh")
    app = DltuiApp(lessons)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert screen.query_one("#filter").placeholder == "按 / 筛选课程"
        footer = screen.query_one("KeyFooter").render().plain
        assert "退出" in footer and "帮助" in footer and "Quit" not in footer
        assert app.sub_title == "终端里的深度学习实验室"
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen.query_one("VerticalScroll").border_title.startswith("按键")


def test_a_choice_that_is_a_word_shows_and_parses_in_chinese_and_a_name_stays_as_written():
    from dltui.labs.activations import ActivationsLab
    from dltui.labs.perceptron import PerceptronLab

    i18n.use("zh")
    init = next(c for c in PerceptronLab.controls if c.name == "init")
    assert init.range_text == "全零 | 随机"
    assert init.format("random") == "随机" and init.parse("随机") == init.parse(" Random ") == "random"
    function = next(c for c in ActivationsLab.controls if c.name == "function")
    assert function.format("step") == "step"  # the step function's name, not the word 步
    assert function.parse("step") == "step"
