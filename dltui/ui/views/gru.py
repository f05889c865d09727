"""The GRU lab: the race view of the LSTM lab, with the GRU's reset and update gates."""

from __future__ import annotations

from dltui.labs.gru import GRUSnapshot

from .lstm import RaceView


class GRUView(RaceView):
    gate_names = ("r", "z", "n", "h")
    gates_of = "GRU"

    def extra(self, snapshot: GRUSnapshot) -> str:
        where = "the last step" if snapshot.task == "first symbol" else f"the masked step {snapshot.position + 1}"
        return f"{snapshot.comparison} · task: {snapshot.task}, answer read at {where}"
