"""Progress: what is recorded and read back, and the reliability promises, each tried for real."""

import csv
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from dltui import progress as progress_module
from dltui.cli import main
from dltui.lessons import load_lessons
from dltui.progress import DONE, EXPORT_COLUMNS, IN_PROGRESS, MIGRATIONS, NOT_STARTED, Place, Progress

STAMPED = re.compile(r"^progress\.sqlite3\.damaged-\d{8}T\d{6}Z$")

# Answers one question over and over, a pause apart, printing each answer once acknowledged (committed).
WRITER = """
import sys, time
from dltui.progress import Progress
progress = Progress.open(sys.argv[1], user="learner")
assert progress.enabled and not progress.notice, progress.notice
print("ready", flush=True)
sys.stdin.readline()
for i in range(int(sys.argv[3])):
    answer = progress.record_answer("perceptron", "update-drill", f"{sys.argv[2]}-{i}", i % 3 == 0)
    print(answer.given, flush=True)
    time.sleep(float(sys.argv[4]))
"""


def writer(folder, name, count, pause=0.0):
    process = subprocess.Popen([sys.executable, "-c", WRITER, str(folder), name, str(count), str(pause)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline() == "ready\n"
    return process


def stored(folder):
    with Progress.open(folder, user="learner") as progress:
        assert progress.enabled and progress.notice == ""
        return progress.export_rows()


def test_answers_lessons_and_positions_round_trip(tmp_path):
    with Progress.open(tmp_path, user="ada") as progress:
        assert progress.enabled and progress.notice == "" and progress.path == tmp_path / "progress.sqlite3"
        assert progress.lesson("perceptron").state == NOT_STARTED
        assert progress.lesson_opened("perceptron") and progress.set_position("perceptron", '{"scroll": 12}')
        first = progress.record_answer("perceptron", "one-update", "0.5", False, "1 ± 0.001")
        second = progress.record_answer("perceptron", "one-update", "1", True)
        assert (first.attempt, second.attempt, first.correct, first.expected) == (1, 2, False, "1 ± 0.001")
        progress.record_answer("perceptron", "which-converge", "1, 2, 3, 5", True)
        progress.record_answer("mp-neuron", "tie", "3", True)
        assert progress.lesson_finished("mp-neuron", ["tie"]) and progress.lesson_opened("mp-neuron")
    with Progress.open(tmp_path, user="ada") as progress:
        lessons = progress.lessons()
        perceptron, mp = lessons["perceptron"], lessons["mp-neuron"]
        assert (perceptron.state, perceptron.answers, perceptron.questions) == (IN_PROGRESS, 3, 2)
        assert (perceptron.first_correct, perceptron.best_correct, perceptron.first_accuracy) == (1, 2, 0.5)
        assert progress.position("perceptron") == '{"scroll": 12}' and progress.position("mp-neuron") == ""
        assert mp.state == DONE and mp.finished_at >= mp.opened_at
        totals = progress.totals()
        assert (totals.lessons_started, totals.lessons_done, totals.answers, totals.first_correct) == (2, 1, 4, 2)
        assert [lesson.lesson for lesson in progress.weakest()] == ["perceptron"]
        rows = progress.export_rows()
        assert list(rows[0]) == list(EXPORT_COLUMNS) and [r["given"] for r in rows] == ["0.5", "1", "1, 2, 3, 5", "3"]


def test_a_lesson_is_done_once_every_question_has_been_answered_right(tmp_path):
    with Progress.open(tmp_path, user="ada") as progress:
        quiz = ["tie", "threshold"]
        progress.record_answer("mp-neuron", "tie", "1", False)
        progress.record_answer("mp-neuron", "threshold", "2", True)
        assert not progress.lesson_finished("mp-neuron", quiz) and progress.lesson("mp-neuron").state == IN_PROGRESS
        progress.record_answer("mp-neuron", "tie", "3", True)  # right at the second attempt counts
        assert progress.solved("mp-neuron") == set(quiz) and progress.lesson_finished("mp-neuron", quiz)
        progress.record_answer("mp-neuron", "tie", "1", False)  # a later slip does not undo it
        assert progress.lesson("mp-neuron").state == DONE and progress.totals().lessons_done == 1


def test_a_lesson_marked_done_by_the_old_rule_with_wrong_answers_is_not_done(tmp_path):
    with Progress.open(tmp_path, user="ada") as progress:  # the old rule: every question answered, right or wrong
        progress.record_answer("perceptron", "one-update", "0.5", False)
        progress._execute("INSERT INTO lessons (user, lesson, opened_at, finished_at) VALUES ('ada', 'perceptron', 'x', 'x')")
        assert progress.lesson("perceptron").state == IN_PROGRESS and progress.totals().lessons_done == 0


def test_users_are_kept_apart_and_overridable_by_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DLTUI_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DLTUI_USER", "bo")
    with Progress.open() as bo, Progress.open(user="cy") as cy:
        assert (bo.user, bo.path.parent, cy.user) == ("bo", tmp_path, "cy")
        bo.record_answer("perceptron", "q", "1", True)
        assert cy.lessons() == {} and len(cy.export_rows(all_users=True)) == 1
    monkeypatch.delenv("DLTUI_USER")
    assert Progress.open(tmp_path).user == progress_module.os_user()


def test_an_old_schema_is_migrated_and_keeps_its_rows(tmp_path):
    db = sqlite3.connect(tmp_path / "progress.sqlite3")
    for statement in MIGRATIONS[0]:
        db.execute(statement)
    db.execute("INSERT INTO answers (user, lesson, question, given, correct, attempt, answered_at) "
               "VALUES ('ada', 'perceptron', 'one-update', '1', 1, 1, '2026-01-01T00:00:00.000+00:00')")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    with Progress.open(tmp_path, user="ada") as progress:
        assert progress.enabled and progress.notice == ""
        [old] = progress.export_rows()
        assert (old["given"], old["expected"], old["asked"]) == ("1", "", "")
        assert progress.record_answer("perceptron", "one-update", "2", False, "1", "w1?").attempt == 2
        assert progress._db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_a_file_from_a_newer_dltui_is_left_alone(tmp_path):
    db = sqlite3.connect(tmp_path / "progress.sqlite3")
    db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    db.close()
    progress = Progress.open(tmp_path)
    assert not progress.enabled and "newer dltui" in progress.notice
    assert os.listdir(tmp_path) == ["progress.sqlite3"]


def damage_pages(path):
    with Progress.open(path.parent) as progress:
        for i in range(300):
            progress.record_answer("perceptron", f"q{i % 20}", "x" * 40, True)
    sqlite3.connect(path).execute("PRAGMA wal_checkpoint(TRUNCATE)").connection.close()
    with open(path, "r+b") as file:
        file.seek(4096 * 2)
        file.write(b"\xff" * 8192)


@pytest.mark.parametrize("damage", ["not sqlite", "damaged pages", "empty header"])
def test_a_damaged_file_is_moved_aside_a_fresh_one_started_and_the_user_told_once(tmp_path, damage):
    path = tmp_path / "progress.sqlite3"
    if damage == "not sqlite":
        path.write_bytes(b"these are my notes, not a database\n" * 200)
        (tmp_path / "progress.sqlite3-wal").write_bytes(b"stale")
    elif damage == "damaged pages":
        damage_pages(path)
    else:
        path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    original = path.read_bytes()
    progress = Progress.open(tmp_path)
    assert progress.enabled and "damaged" in progress.notice
    [moved] = [p for p in tmp_path.iterdir() if STAMPED.match(p.name)]
    assert str(moved) in progress.notice and moved.read_bytes() == original
    assert progress.record_answer("perceptron", "q", "1", True).attempt == 1
    progress.close()
    again = Progress.open(tmp_path)
    assert again.enabled and again.notice == "" and again.lesson("perceptron").answers == 1


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder this process cannot write, holding a progress file. Root ignores file modes, so root
    uses a read-only mount instead (without the file)."""
    if os.geteuid() == 0:
        folder = next((p for p in ("/proc/sys", "/sys") if os.path.isdir(p) and not os.access(p, os.W_OK)), None)
        yield folder or pytest.skip("running as root with no read-only mount to try")
        return
    Progress.open(tmp_path).record_answer("perceptron", "q", "1", True)
    for path in tmp_path.iterdir():
        path.chmod(0o444)
    tmp_path.chmod(0o555)
    yield tmp_path
    tmp_path.chmod(0o755)


def assert_off_and_harmless(progress, words):
    assert not progress.enabled and words in progress.notice and "--data-dir" in progress.notice
    assert progress.record_answer("perceptron", "q", "1", True) is None
    assert not progress.lesson_opened("perceptron") and not progress.lesson_finished("perceptron", [])
    assert not progress.set_position("perceptron", "x") and progress.position("perceptron") == ""
    assert progress.lessons() == {} and progress.weakest() == [] and progress.export_rows() == []
    assert progress.totals().answers == 0 and progress.lesson("perceptron").state == NOT_STARTED
    progress.close()


def test_a_read_only_folder_turns_progress_off_with_a_clear_notice(read_only_folder):
    assert_off_and_harmless(Progress.open(read_only_folder), "is read-only")


def test_a_missing_folder_is_created_and_one_that_cannot_be_turns_progress_off(tmp_path):
    assert Progress.open(tmp_path / "new" / "dir").enabled
    (tmp_path / "file").write_text("")
    assert_off_and_harmless(Progress.open(tmp_path / "file" / "dir"), "cannot create the folder")


def test_an_answer_that_cannot_be_saved_is_not_acknowledged(tmp_path, monkeypatch):
    monkeypatch.setattr(progress_module, "BUSY_TIMEOUT_S", 0.05)
    progress = Progress.open(tmp_path)
    other = sqlite3.connect(tmp_path / "progress.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another session holds the write lock far too long
    assert progress.record_answer("perceptron", "q", "1", True) is None
    assert "could not be saved" in progress.notice and progress.enabled
    other.execute("ROLLBACK")
    assert progress.record_answer("perceptron", "q", "1", True).attempt == 1


def test_two_sessions_answering_at_once_lose_nothing(tmp_path):
    sessions = [writer(tmp_path, name, 150, pause=0.002) for name in ("a", "b")]
    for session in sessions:
        session.stdin.write("go\n")
        session.stdin.flush()
    acknowledged = set()
    for session in sessions:
        out, _ = session.communicate(timeout=60)
        assert session.returncode == 0
        acknowledged |= set(out.split())
    rows = stored(tmp_path)
    assert len(acknowledged) == 300 and {row["given"] for row in rows} == acknowledged
    assert sorted(row["attempt"] for row in rows) == list(range(1, 301))
    order = [row["given"][0] for row in sorted(rows, key=lambda row: row["attempt"])]
    assert sum(a != b for a, b in zip(order, order[1:])) >= 10  # the two really wrote in turns


def test_a_session_killed_mid_answer_loses_nothing_acknowledged(tmp_path):
    acknowledged, rng = set(), random.Random(5)
    for round_ in range(30):
        session = writer(tmp_path, f"r{round_}", 10**6)
        session.stdin.write("go\n")
        session.stdin.flush()
        assert session.stdout.readline().startswith(f"r{round_}-")
        time.sleep(rng.uniform(0, 0.05))
        session.send_signal(signal.SIGKILL)
        out, _ = session.communicate(timeout=10)
        acknowledged |= {line for line in out.split("\n")[:-1]}
        given = {row["given"] for row in stored(tmp_path)}
        assert acknowledged <= given, sorted(acknowledged - given)[:5]
    assert len(acknowledged) > 30


# The command line: a table per lesson, and exports a teacher can open.

def test_dltui_progress_prints_a_row_per_lesson(tmp_path, capsys):
    with Progress.open(tmp_path, user="ada") as progress:
        progress.record_answer("perceptron", "one-update", "0.5", False)
        progress.record_answer("perceptron", "one-update", "1", True)
        progress.lesson_finished("mp-neuron", [])  # the table shows the mark; the done rule has its own test
    assert main(["progress", "--data-dir", str(tmp_path), "--user", "ada", "--lang", "en"]) == 0
    lines = capsys.readouterr().out.splitlines()
    mp, perceptron = (len(lesson.quiz) for lesson in load_lessons(lang="en")[0][:2])
    assert lines[0].split() == ["No", "Lesson", "State", "First", "try", "Best", "Answers"]
    assert lines[1].split() == ["1", "mp-neuron", "done", f"0/{mp}", f"0/{mp}", "0"]
    assert lines[2].split() == ["2", "perceptron", "in", "progress", f"0/{perceptron}", f"1/{perceptron}", "2"]
    assert lines[-2:] == ["2 answers by ada; right at the first try: 0 of 1 question (0%)", "revise first: perceptron (0%)"]


def test_dltui_progress_says_when_progress_is_off(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    assert main(["progress", "--data-dir", str(tmp_path / "file" / "x")]) == 1
    assert "Progress is off: cannot create the folder" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_writes_every_answer_for_a_teacher(tmp_path, monkeypatch, capsys, fmt):
    for user in ("ada", "bo"):
        with Progress.open(tmp_path, user=user) as progress:
            progress.record_answer("perceptron", "update-drill", "1.5", user == "ada", "1.5 ± 0.001", "w = (1, 0.5), …")
            progress.record_answer("mp-neuron", "tie", "1", False, "3. 1, 因为…")
    monkeypatch.chdir(tmp_path)
    assert main(["progress", "--data-dir", ".", "--user", "ada", "--export", fmt]) == 0
    [mine] = tmp_path.glob(f"dltui-progress-ada-*.{fmt}")
    assert str(mine.resolve()) in capsys.readouterr().out
    assert main(["progress", "--data-dir", ".", "--export", fmt, "--all-users", "-o", f"class.{fmt}"]) == 0
    assert f"wrote 4 answers to {tmp_path / f'class.{fmt}'}" in capsys.readouterr().out
    if fmt == "csv":
        with open(tmp_path / "class.csv", encoding="utf-8-sig", newline="") as file:
            rows = list(csv.DictReader(file))
        assert len(list(csv.DictReader(open(mine, encoding="utf-8-sig")))) == 2
    else:
        rows = json.loads((tmp_path / "class.json").read_text(encoding="utf-8"))
        assert len(json.loads(mine.read_text(encoding="utf-8"))) == 2
    assert list(rows[0]) == list(EXPORT_COLUMNS) and {row["user"] for row in rows} == {"ada", "bo"}
    assert rows[1]["expected"] == "3. 1, 因为…" and str(rows[0]["correct"]) == "True" and rows[0]["asked"] == "w = (1, 0.5), …"


def test_export_options_go_with_progress_only(capsys):
    for argv in (["list", "--export", "csv"], ["progress", "--all-users"]):
        with pytest.raises(SystemExit):
            main(argv)
    assert "go with" in capsys.readouterr().err


def test_csv_cells_never_run_as_formulas_and_json_keeps_what_was_stored(tmp_path):
    hostile = ['=HYPERLINK("http://evil","x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx", "a\x1b]2;x\x07"]
    with Progress.open(tmp_path, user="=evil") as progress:
        for text in hostile:
            progress.record_answer("lesson", text, text, False, "-0.5")
        progress.export(tmp_path / "answers.csv", "csv")
        progress.export(tmp_path / "answers.json", "json")
    with open(tmp_path / "answers.csv", encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    assert [row["question"] for row in rows] == ['\'=HYPERLINK("http://evil","x")', "'+1+cmd|' /C calc'!A0", "'-2+3",
                                                 "'@SUM(A1)", "'\tx", r"'\x0dx", r"a\x1b]2;x\x07"]
    assert {row["user"] for row in rows} == {"'=evil"} and {row["expected"] for row in rows} == {"-0.5"}  # a number
    assert [row["question"] for row in json.loads((tmp_path / "answers.json").read_text())] == hostile


def test_a_users_own_files_live_in_the_data_folder_chosen_for_them(tmp_path, monkeypatch):
    monkeypatch.setenv("DLTUI_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DLTUI_USER", "ada")
    from dltui.labs.lenet import user_weights_path

    assert user_weights_path() == tmp_path / "users" / "ada" / "lenet-digits.npz"
    assert progress_module.user_dir(tmp_path / "class", "../bo") == tmp_path / "class" / "users" / "_._bo"


def test_a_lessons_place_round_trips_and_a_foreign_position_counts_as_none(tmp_path):
    with Progress.open(tmp_path, "learner") as progress:
        assert progress.place("perceptron") == Place({}, 0)
        assert progress.keep_place("perceptron", Place({"lr": 0.5}, 12))
        assert progress.place("perceptron") == Place({"lr": 0.5}, 12)
        for foreign in ("not json", "[1, 2]", '{"params": 3, "scroll": "x"}'):
            progress.set_position("mlp", foreign)
            assert progress.place("mlp") == Place({}, 0)


def test_last_activity_is_the_latest_opening_move_or_answer_and_the_teacher_reads_anyones(tmp_path, monkeypatch):
    clock = iter(f"2026-03-0{day}T09:00:00.000+00:00" for day in range(1, 10))
    monkeypatch.setattr(progress_module, "now", lambda: next(clock))
    with Progress.open(tmp_path, user="ada") as ada, Progress.open(tmp_path, user="teacher") as teacher:
        ada.lesson_opened("perceptron")  # day 1
        ada.record_answer("perceptron", "q", "1", False)  # day 2
        assert teacher.lessons("ada")["perceptron"].last_active.startswith("2026-03-02")
        ada.lesson_opened("perceptron")  # day 3: back to the lesson, first opening kept
        ada.keep_place("mlp", Place({"lr": 0.5}))  # day 4
        perceptron = teacher.lessons("ada")["perceptron"]
        assert perceptron.opened_at.startswith("2026-03-01") and perceptron.last_active.startswith("2026-03-03")
        assert teacher.totals("ada").last_active.startswith("2026-03-04") and teacher.lessons() == {}
        assert teacher.learners() == ["ada"]
