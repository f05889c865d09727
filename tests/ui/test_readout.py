"""`Readout`: a text a view rewrites every frame shows each new text, and skips only the ones it already shows."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from dltui.ui.widgets.readout import Readout


class OneReadout(App):
    def compose(self) -> ComposeResult:
        yield Readout(id="r", markup=False)


async def test_a_readout_shows_every_change_and_skips_only_the_same_text():
    async with OneReadout().run_test(size=(40, 5)) as pilot:
        readout = pilot.app.query_one(Readout)
        shown = Text("loss 0.25")
        readout.update(shown)
        await pilot.pause()
        readout.update(Text("loss 0.25"))  # equal, a new object: nothing to draw again
        assert readout.content is shown
        readout.update(Text("loss 0.25", style="bold red"))  # the same words, styled: shown
        await pilot.pause()
        assert readout.content.style == "bold red"
        readout.update("loss 0.25")  # a str is not the Text it equals: shown
        assert readout.content == "loss 0.25"
        grown = Text("loss")
        readout.update(grown)
        grown.append(" 0.125")  # changed in place and given again: shown again
        readout.update(grown)
        await pilot.pause()
        assert "loss 0.125" in str(readout.render())
