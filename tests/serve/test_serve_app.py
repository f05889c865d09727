"""The real app over SSH, end to end: the lesson list at 80×24 on the learner's screen, and their progress kept under
their SSH user name in the class's file."""

import asyncio
import time

import pyte
from learners import all_gone, connect, open_app

from dltui.progress import Progress
from dltui.serve.rules import dltui_command


async def test_the_lesson_list_over_ssh_and_progress_under_the_ssh_name(start, tmp_path):
    server = await start(app=dltui_command(tmp_path, ["--backend", "numpy", "--lang", "en"]))
    screen = pyte.Screen(80, 24)
    stream = pyte.ByteStream(screen)

    async def shows(text: str, timeout: float = 30) -> str:
        end = time.monotonic() + timeout
        while not any(text in row for row in screen.display):
            stream.feed(await asyncio.wait_for(app.stdout.read(65536), end - time.monotonic()))
        return "\n".join(screen.display)

    async with connect(server, "ada") as conn:
        app = await open_app(conn, (80, 24))
        await shows("4. Activation functions and vanishing")  # the last lesson that fits: the list is drawn
        home = await shows("Quit")  # and the key footer, which may come in a later write (CI once read it blank)
        assert "dltui — a terminal deep-learning lab" in home and "1. The MP neuron" in home
        assert "Open" in screen.display[-1] and "Quit" in screen.display[-1]  # the key footer, on row 24
        [pid] = [session.process.pid for session in server.sessions]
        app.stdin.write(b"\r")  # open the first lesson
        await shows("dltui — 1. The MP neuron")
    assert await all_gone([pid])
    with Progress.open(tmp_path, user="ada") as progress:
        assert list(progress.lessons()) == ["mp-neuron"] and progress.learners() == ["ada"]
