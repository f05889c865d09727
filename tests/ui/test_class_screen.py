"""The teacher's class screen, driven by real key presses over a class file written through Progress's own API."""

from __future__ import annotations

import csv
import os
from datetime import datetime, timedelta, timezone

import pytest
from textual.widgets import DataTable

from dltui.cli import class_table, main
from dltui.progress import Progress, os_user
from dltui.ui import app as app_module
from dltui.ui.app import DltuiApp
from dltui.ui.screens import class_view
from dltui.ui.screens.class_view import ClassScreen, LearnerScreen
from dltui.ui.screens.home import HomeScreen

MARKUP = "[red]x[/]"  # a learner name that Rich would read as markup
START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
# In the order written, one write a minute: bo, then the markup name, then ada, who is therefore active the latest.
CLASS = {
    "bo": [("perceptron", "update-drill", True)],
    MARKUP: [("mp-neuron", "tie", True), ("mp-neuron", "weighted-sum", False), ("mp-neuron", "weighted-sum", True)],
    "ada": [("mp-neuron", "tie", False), ("mp-neuron", "tie", True)],
}
ORDERS = {"name": [MARKUP, "ada", "bo"], "done": ["bo", "ada", MARKUP], "first": ["ada", MARKUP, "bo"],
          "active": ["bo", MARKUP, "ada"]}
"""bo has done no lesson, the others the MP neuron; first try: ada 0 of 1, the markup name 1 of 2, bo 1 of 1."""


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A class file: three learners, each write a minute after the last, and the MP neuron finished by two."""
    minutes = iter(range(1000))
    with monkeypatch.context() as patch:
        patch.setattr("dltui.progress.now", lambda: (START + timedelta(minutes=next(minutes))).isoformat())
        for user, answers in CLASS.items():
            with Progress.open(tmp_path, user=user) as progress:
                for lesson, question, correct in answers:
                    progress.lesson_opened(lesson)
                    progress.record_answer(lesson, question, "1", correct)
                if user != "bo":
                    assert progress.lesson_finished("mp-neuron", {question for _, question, _ in answers})
    return tmp_path


@pytest.fixture
def teacher(folder):
    """The teacher's own progress (the login's, in a folder the login owns), as the app opens it."""
    with Progress.open(folder, user=os_user()) as progress:
        yield progress


async def loaded(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def until(pilot, condition) -> None:
    """Let the app run until `condition()` holds (its timer has read the file again), for a few seconds at most."""
    for _ in range(500):
        if condition():
            return
        await pilot.pause(0.01)


def shown_rows(app) -> dict[str, dict[str, str]]:
    """The learners' table as drawn: learner → column key → the cell's text."""
    table = app.screen.query_one(DataTable)
    keys = [key.value for key in table.columns]
    return {row.value: dict(zip(keys, map(str, table.get_row(row)))) for row in table.rows}


def printed_rows(lessons, progress) -> dict[str, list[str]]:
    """`dltui class`'s table, cut into cells at its header's column starts."""
    header, *lines = class_table(lessons, progress, progress.learners(), missed=0).splitlines()
    labels = ["Learner", "Done", "Lessons done", "First try", "Best", "Answers", "Last active"]
    starts = [header.index(label) for label in labels] + [None]
    return {(cells := [line[a:b].strip() for a, b in zip(starts, starts[1:])])[0]: cells for line in lines}


async def test_the_table_shows_each_learner_as_dltui_class_computes_it(lessons, teacher, screen_text):
    app = DltuiApp(lessons, progress=teacher, start_class=True)
    async with app.run_test(size=(160, 50)) as pilot:
        await loaded(pilot)
        assert isinstance(app.screen, ClassScreen)
        shown, printed = shown_rows(app), printed_rows(lessons, teacher)
        assert list(shown) == ORDERS["name"] and set(printed) == set(shown)
        for name, row in shown.items():
            cells = [row[key] for key in ("name", "done", "which", "first", "best", "answers")]
            assert cells == printed[name][:6]
            assert row["active"].startswith(printed[name][6] + ", ")  # the local time, then how long ago
        assert shown["ada"]["done"] == f"1/{len(lessons)}" and shown["ada"]["which"] == "1"
        assert shown["ada"]["first"] == "0/1" and shown[MARKUP]["first"] == "1/2" and shown["bo"]["which"] == ""
        text = await screen_text(pilot)
        assert f"  {MARKUP}  " in text  # as typed, not read as markup
        assert "Missed at the first try" in text and "tie: With the same settings" in text


async def test_at_80_columns_the_columns_shorten_instead_of_being_clipped(lessons, teacher, folder, screen_text):
    long_name = "a-learner-whose-name-goes-on-and-on"
    with Progress.open(folder, user=long_name) as learner:
        learner.record_answer("mp-neuron", "tie", "1", True)
    days = (datetime.now(timezone.utc) - START).days  # the class wrote a few minutes after START
    days_ago = (f"{days} days ago", f"{days - 1} days ago")
    app = DltuiApp(lessons, progress=teacher, start_class=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        table = app.screen.query_one(DataTable)
        assert table.virtual_size.width <= table.size.width  # nothing past the right edge
        printed = printed_rows(lessons, teacher)
        for name, row in shown_rows(app).items():
            assert row["name"] == name or (row["name"].endswith("…") and name.startswith(row["name"][:-1]))
            assert [row["done"], row["first"]] == [printed[name][1], printed[name][3]]
            assert row["active"] in ("just now", *days_ago)  # how long ago only: the local time needs more room
        assert shown_rows(app)[long_name]["name"] != long_name
        footer = (await screen_text(pilot)).splitlines()[-1]
        assert all(key in footer for key in ("⏎ Lessons", "s Sort", "e Export CSV", "q Back", "? Help")), footer


async def test_s_cycles_the_sort_and_enter_opens_the_learners_lessons(lessons, teacher, screen_text):
    app = DltuiApp(lessons, progress=teacher, start_class=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        for sort in ("done", "first", "active", "name"):
            await pilot.press("s")
            assert app.screen.sort == sort and list(shown_rows(app)) == ORDERS[sort], sort
        await pilot.press("down", "enter")
        await loaded(pilot)
        assert isinstance(app.screen, LearnerScreen) and app.screen.learner == "ada"
        text = await screen_text(pilot)
        mp_neuron = next(lesson for lesson in lessons if lesson.id == "mp-neuron")
        row = next(line for line in text.splitlines() if "The MP neuron" in line).split()
        questions = len(mp_neuron.quiz)
        assert row[:1] == ["1"] and "done" in row and f"0/{questions}" in row and f"1/{questions}" in row
        assert "○ not started" in text and "ada · 1 of" in text
        await pilot.press("escape")
        assert isinstance(app.screen, ClassScreen) and app.screen.chosen == "ada"
        await pilot.press("q")
        assert isinstance(app.screen, HomeScreen)


async def test_e_exports_the_class_rows_as_a_csv_file(lessons, teacher, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    app = DltuiApp(lessons, progress=teacher, start_class=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("e")
        await loaded(pilot)
    [path] = tmp_path.glob("dltui-class-*.csv")
    with open(path, encoding="utf-8-sig", newline="") as file:
        written = list(csv.DictReader(file))
    assert written == [{key: str(value) for key, value in row.items()} for row in teacher.class_rows()]
    assert {row["user"] for row in written} == set(CLASS)


async def test_it_refreshes_itself_and_keeps_the_cursor_on_its_learner(lessons, teacher, folder, monkeypatch):
    monkeypatch.setattr(class_view, "REFRESH_S", 0.25)
    app = DltuiApp(lessons, progress=teacher, start_class=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.screen.query(DataTable) and app.screen.query_one(DataTable).row_count)
        await pilot.press("s", "s", "s")  # longest idle first; the cursor stays on its learner, the markup name
        assert app.screen.chosen == MARKUP and list(shown_rows(app)) == ORDERS["active"]
        assert shown_rows(app)[MARKUP]["answers"] == "3"
        with Progress.open(folder, user=MARKUP) as learner:  # another session answers
            learner.record_answer("perceptron", "update-drill", "2", False)
        await until(pilot, lambda: shown_rows(app)[MARKUP]["answers"] == "4")
        assert shown_rows(app)[MARKUP]["answers"] == "4"
        assert list(shown_rows(app)) == ["bo", "ada", MARKUP] and app.screen.chosen == MARKUP


async def test_only_the_teachers_own_session_has_the_class_key(lessons, teacher, folder, screen_text):
    app = DltuiApp(lessons, progress=teacher)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        assert "c Class" in (await screen_text(pilot)).splitlines()[-1]
        await pilot.press("c")
        await loaded(pilot)
        assert isinstance(app.screen, ClassScreen) and list(shown_rows(app)) == ORDERS["name"]
    # A served learner's session runs as the serving account (which owns the folder), with --user naming them.
    with Progress.open(folder, user="bo") as learner:
        app = DltuiApp(lessons, progress=learner)
        async with app.run_test(size=(80, 24)) as pilot:
            await loaded(pilot)
            assert "Class" not in await screen_text(pilot)
            await pilot.press("c")
            await loaded(pilot)
            assert isinstance(app.screen, HomeScreen)


def test_dltui_class_tui_opens_the_app_for_the_teacher_and_refuses_anyone_else(folder, monkeypatch, capsys):
    for name in ("DLTUI_DATA_DIR", "DLTUI_USER"):  # the command sets them for the app; put back afterwards
        monkeypatch.setenv(name, "")
    started = []
    monkeypatch.setattr(app_module.DltuiApp, "run", lambda app: started.append(app.start_class))
    assert main(["class", "--tui", "--data-dir", str(folder)]) == 0 and started == [True]
    monkeypatch.setattr(os, "getuid", lambda: os.stat(folder).st_uid + 1)  # not the folder's owner
    assert main(["class", "--tui", "--data-dir", str(folder), "--user", "ada"]) == 1 and started == [True]
    assert "only the teacher sees every learner" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["progress", "--tui"])
    assert "--tui goes with 'dltui class'" in capsys.readouterr().err
