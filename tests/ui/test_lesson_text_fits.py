"""Every code and formula block of every bundled lesson fits the text pane at 80×24 unbroken.

Rich's Markdown wraps a code line that is wider than the pane, which breaks a formula or a diagram in
two; prose rewraps harmlessly. The width is the one the lesson screen really gives its text (measured
in the running app, so a layout change moves the limit), in terminal cells: a CJK character is two.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from rich.cells import cell_len

from dltui.lessons import load_lessons

CODE_PADDING = 2  # rich.markdown.CodeBlock draws its Syntax with padding=1 on each side


async def test_no_code_line_is_wider_than_the_text_pane(make_app):
    app = make_app("mp-neuron")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        width = app.screen.query_one("#body").content_region.width - CODE_PADDING
    too_wide = []
    for lang in ("en", "zh"):
        lessons, problems = load_lessons(lang=lang, check_params=False)
        assert not problems
        for lesson in lessons:
            for token in MarkdownIt().parse(lesson.body):
                if token.type in ("fence", "code_block"):
                    too_wide += [f"{lesson.path.name}, block at body line {token.map[0] + 1}: {cell_len(line)} cells: {line}"
                                 for line in token.content.splitlines() if cell_len(line) > width]
    assert not too_wide, f"code lines wider than {width} cells:\n" + "\n".join(too_wide)
