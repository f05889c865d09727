"""One progress file for a class: many learners writing at once, and `dltui class`, for the teacher's eyes only."""

import csv
import os
import subprocess
import sys

import pytest

from dltui.cli import main
from dltui.lessons import load_lessons
from dltui.progress import CLASS_COLUMNS, Progress

# A learner answering as fast as they can, printing each answer once it is acknowledged (committed).
LEARNER = """
import sys
from dltui.progress import Progress
progress = Progress.open(sys.argv[1], user=sys.argv[2])
print("ready", flush=True)
sys.stdin.readline()
for i in range(int(sys.argv[3])):
    answer = progress.record_answer("perceptron", f"q{i % 4}", str(i), i % 3 == 0)
    print(answer.given if answer else f"lost: {progress.notice}", flush=True)
"""


def test_learners_answering_at_once_lose_no_answer(tmp_path):
    names, count = [f"learner{n}" for n in range(5)], 24
    with Progress.open(tmp_path, user="teacher"):
        pass  # the server makes the file before learners arrive
    learners = [subprocess.Popen([sys.executable, "-c", LEARNER, str(tmp_path), name, str(count)],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for name in names]
    for learner in learners:
        assert learner.stdout.readline() == "ready\n"
    for learner in learners:  # all start together
        learner.stdin.write("go\n")
        learner.stdin.flush()
    acknowledged = {name: learner.communicate(timeout=60)[0].split() for name, learner in zip(names, learners)}
    assert all(said == [str(i) for i in range(count)] for said in acknowledged.values()), acknowledged
    with Progress.open(tmp_path, user="teacher") as progress:
        rows = progress.export_rows(all_users=True)
        assert progress.learners() == names
        for name in names:
            mine = [row for row in rows if row["user"] == name]
            assert [row["given"] for row in mine] == [str(i) for i in range(count)]
            for question in ("q0", "q1", "q2", "q3"):  # attempts counted per learner, never mixed up
                assert [row["attempt"] for row in mine if row["question"] == question] == list(range(1, count // 4 + 1))


@pytest.fixture
def served_class(tmp_path):
    """ada got the MP neuron's tie question right at once and finished it; bo and cy missed the perceptron question
    at their first try, and cy never got it right."""
    for user, answers in {"ada": [("mp-neuron", "tie", True)],
                          "bo": [("perceptron", "update-drill", False), ("perceptron", "update-drill", True)],
                          "cy": [("perceptron", "update-drill", False), ("mp-neuron", "tie", True)]}.items():
        with Progress.open(tmp_path, user=user) as progress:
            for lesson, question, correct in answers:
                progress.lesson_opened(lesson)
                progress.record_answer(lesson, question, "1", correct)
            if user == "ada":
                assert progress.lesson_finished("mp-neuron", ["tie"])
    return tmp_path


def test_the_teacher_sees_every_learner_and_the_questions_most_missed(served_class, capsys):
    assert main(["class", "--data-dir", str(served_class), "--lang", "en"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["Learner", "Done", "Lessons", "done", "First", "try", "Best", "Answers", "Last", "active"]
    bundled = len(load_lessons()[0])
    expected = [["ada", f"1/{bundled}", "1", "1/1", "1/1", "1"], ["bo", f"0/{bundled}", "0/1", "1/1", "2"],
                ["cy", f"0/{bundled}", "1/2", "1/2", "2"]]  # bo and cy have no lesson done: that column is empty
    assert [row.split()[:len(cells)] for row, cells in zip(out[1:4], expected)] == expected
    missed = out[out.index("the questions most learners missed:") + 2]
    assert missed.split()[:5] == ["2", "of", "2", "1", "2"] and "update-drill: One step of the perceptron" in missed


def test_anyone_but_the_teacher_sees_only_their_own_progress(served_class, monkeypatch, capsys):
    monkeypatch.setattr(os, "getuid", lambda: os.stat(served_class).st_uid + 1)  # not the folder's owner
    monkeypatch.setattr("dltui.progress.os_user", lambda: "bo")
    monkeypatch.setattr("dltui.cli.os_user", lambda: "bo")
    assert main(["class", "--data-dir", str(served_class), "--user", "ada"]) == 0  # --user does not make a teacher
    captured = capsys.readouterr()
    assert "only the teacher sees every learner" in captured.err
    assert [row.split()[0] for row in captured.out.splitlines()] == ["Learner", "bo"]  # no missed questions either
    with Progress.open(served_class, user="bo") as progress:
        progress.add_teachers(["bo"])  # as `dltui serve ssh --teacher bo` does
    assert main(["class", "--data-dir", str(served_class)]) == 0
    assert [row.split()[0] for row in capsys.readouterr().out.splitlines()[1:4]] == ["ada", "bo", "cy"]


def test_the_class_exports_a_row_per_learner_and_lesson(served_class, monkeypatch, capsys):
    monkeypatch.chdir(served_class)
    assert main(["class", "--data-dir", ".", "--export", "csv", "-o", "class.csv"]) == 0
    assert "wrote 4 rows" in capsys.readouterr().out
    with open(served_class / "class.csv", encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == list(CLASS_COLUMNS)
    assert [(row["user"], row["lesson"], row["state"], row["first_correct"], row["best_correct"]) for row in rows] == [
        ("ada", "mp-neuron", "done", "1", "1"), ("bo", "perceptron", "in progress", "0", "1"),
        ("cy", "mp-neuron", "in progress", "1", "1"), ("cy", "perceptron", "in progress", "0", "0")]
    assert all(row["opened_at"] <= row["last_active"] for row in rows)
    with pytest.raises(SystemExit):
        main(["class", "--all-users"])
    assert "'dltui class' is every learner already" in capsys.readouterr().err
