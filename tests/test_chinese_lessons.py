"""The Chinese lessons use the one glossary's terms, and a hard-wrapped Chinese paragraph reads as written."""

import re

import pytest
from rich.console import Console

from dltui.lessons import load_lessons
from rich.cells import cell_len

from dltui.ui.widgets.lesson_markdown import PARSER, LessonMarkdown, join_wide_breaks
from dltui.ui.widgets.wide_text import NO_LINE_END, NO_LINE_START, break_offsets, wide

CHINESE = load_lessons(lang="zh")[0]
REPLACED = {"批归一化": "批量规范化", "层归一化": "层规范化", "小批次": "小批量", "隐层": "隐藏层", "实验室": "实验",
            "热图": "热力图"}
"""Terms the lessons once used, and the glossary's (../shared/glossary-zh.md) word for each."""


def rendered(markdown, width: int = 200) -> str:
    """Lesson Markdown (or any Rich renderable) as the terminal shows it."""
    console = Console(width=width, record=True, file=open("/dev/null", "w"))  # noqa: SIM115 (closed with the console)
    console.print(LessonMarkdown(markdown) if isinstance(markdown, str) else markdown)
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


def paragraphs(markdown: str) -> list[str]:
    """The plain text of each paragraph and list item, as the renderer wraps it."""
    tokens = join_wide_breaks(PARSER.parse(markdown))
    return ["".join(" " if child.type == "softbreak" else child.content for child in inline.children)
            for opener, inline in zip(tokens, tokens[1:]) if opener.type == "paragraph_open"]


@pytest.mark.parametrize("lesson", CHINESE, ids=lambda lesson: lesson.id)
def test_chinese_wraps_between_characters_and_keeps_words_and_punctuation_in_place(lesson):
    """At the text pane's width at 80×24 no line is too wide, starts with closing punctuation, ends with
    opening punctuation or cuts a Latin word that would fit a line."""
    width = 44
    for text in paragraphs(lesson.body):
        ends = [0, *break_offsets(text, width), len(text)]
        lines = [text[a:b] for a, b in zip(ends, ends[1:])]
        assert all(cell_len(line.rstrip()) <= width for line in lines)
        for above, below in zip(lines, lines[1:]):
            assert below[0] not in NO_LINE_START and above.rstrip()[-1] not in NO_LINE_END, (above, below)
            tail, head = re.search(r"[A-Za-z0-9_]*$", above)[0], re.match(r"[A-Za-z0-9_]*", below)[0]
            assert not (tail and head and len(tail + head) < width), (above, below)


def test_a_chinese_paragraph_fills_its_lines_and_latin_stays_whole():
    text = "按九次 s。每一步之前，先用窗口和卷积核算出下一个输出格子（Hochreiter 与 Schmidhuber）。"
    lines = rendered(text, 20).rstrip().split("\n")
    assert lines[0].rstrip() == "按九次 s。每一步之"  # Rich left "按九次" alone; "前，" cannot be parted
    assert all(not line.lstrip().startswith(tuple(NO_LINE_START)) for line in lines)
    assert any(line.strip() == "Schmidhuber）。" or "Schmidhuber）。" in line for line in lines)


def test_a_chinese_summary_in_the_lesson_list_wraps_and_is_never_cut():
    """The list at 80×24 gives a row 76 cells; the summary's column wraps it whole, as it does an English one."""
    from dltui.progress import LessonProgress
    from dltui.ui.screens.home import HomeScreen

    for lesson in CHINESE:
        shown = iter(rendered(HomeScreen.entry(lesson, LessonProgress(lesson.id)), 76))
        assert all(char in shown for char in lesson.summary if not char.isspace()), lesson.id  # all of it, in order
