"""The Chinese lessons use the one glossary's terms, and a hard-wrapped Chinese paragraph reads as written."""

import re
import unicodedata

import pytest
from rich.console import Console

from dltui.lessons import load_lessons
from dltui.ui.widgets.lesson_markdown import LessonMarkdown

CHINESE = load_lessons(lang="zh")[0]
REPLACED = {"批归一化": "批量规范化", "层归一化": "层规范化", "小批次": "小批量", "隐层": "隐藏层", "实验室": "实验",
            "热图": "热力图"}
"""Terms the lessons once used, and the glossary's (../shared/glossary-zh.md) word for each."""


def wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def rendered(markdown: str) -> str:
    console = Console(width=200, record=True, file=open("/dev/null", "w"))  # noqa: SIM115 (closed with the console)
    console.print(LessonMarkdown(markdown))
    return console.export_text()


@pytest.mark.parametrize("lesson", CHINESE, ids=lambda lesson: lesson.id)
def test_no_replaced_term_appears(lesson):
    text = " ".join([lesson.title, lesson.summary, lesson.body, *(f"{q.prompt} {q.explanation} {' '.join(q.choices)}"
                                                                  for q in lesson.quiz)])
    assert not [(old, REPLACED[old]) for old in REPLACED if old in text]


@pytest.mark.parametrize("lesson", CHINESE, ids=lambda lesson: lesson.id)
def test_a_line_break_inside_chinese_text_adds_no_space(lesson):
    """Only spaces the file itself puts between two wide characters show on screen."""
    written = re.sub(r"[*`]", "", lesson.body)  # as typed, less the emphasis marks that do not show
    stray = {m[0] for m in re.finditer(r"(\S) (\S)", rendered(lesson.body))
             if wide(m[1]) and wide(m[2]) and m[0] not in written}
    assert not stray, f"spaces from line breaks: {sorted(stray)[:5]}"


def test_a_soft_break_between_latin_words_stays_a_space():
    assert "卷积核产生一个输出" in rendered("卷积核产生\n一个输出 kernels\nand words")
    assert "kernels and words" in rendered("卷积核产生\n一个输出 kernels\nand words")
