"""`dltui serve web`: the real app in a browser tab's websocket, its learner named only by the proxy's header."""

import asyncio
import json
import sys
import time

import aiohttp
import pyte
import pytest
from aiohttp.test_utils import TestServer
from learners import all_gone

from dltui.cli import main
from dltui.progress import Progress
from dltui.serve.rules import Refused, dltui_command
from dltui.serve.web import ClassWebServer, WebSettings, check_web


def test_a_public_address_without_a_proxy_header_is_refused(tmp_path, capsys):
    assert main(["serve", "web", "--host", "0.0.0.0", "--data-dir", str(tmp_path)]) == 2
    assert "will not listen on 0.0.0.0 without --user-header" in capsys.readouterr().err
    with pytest.raises(Refused):
        check_web(WebSettings(app=dltui_command(tmp_path, []), learner="ada", host="0.0.0.0"))
    check_web(WebSettings(app=dltui_command(tmp_path, []), learner="ada", host="0.0.0.0", user_header="X-User"))


async def test_a_tab_runs_the_app_for_the_learner_the_proxy_names_and_ends_with_it(tmp_path):
    settings = WebSettings(app=dltui_command(tmp_path, ["--backend", "numpy", "--lang", "en"]), learner="nobody",
                           user_header="X-Forwarded-User")
    server = ClassWebServer(settings)
    async with TestServer(await server._make_app(), host="127.0.0.1") as http, aiohttp.ClientSession() as client:
        url = http.make_url("/ws?width=80&height=24")
        for headers in ({}, {"X-Forwarded-User": "../ada"}, {"X-Remote-User": "ada"}):  # no name, a path, another
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await client.ws_connect(url, headers=headers)
            assert refused.value.status == 403
        screen = pyte.Screen(80, 24)
        stream = pyte.ByteStream(screen)
        tab = await client.ws_connect(url, headers={"X-Forwarded-User": "carol"})

        async def shows(text: str, timeout: float = 30) -> None:
            end = time.monotonic() + timeout
            while not any(text in row for row in screen.display):
                message = await asyncio.wait_for(tab.receive(), end - time.monotonic())
                if message.type == aiohttp.WSMsgType.BINARY:
                    stream.feed(message.data)

        await shows("1. The MP neuron")
        [app] = server.tabs
        pid = app.pid
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            assert b"\0--user\0carol\0" in cmdline.read()
        await tab.send_str(json.dumps(["stdin", "\r"]))  # the browser's Enter: open the first lesson
        await shows("dltui — 1. The MP neuron")
        await tab.close()
        assert await all_gone([pid])
    with Progress.open(tmp_path, user="carol") as progress:
        assert list(progress.lessons()) == ["mp-neuron"] and progress.learners() == ["carol"]


async def test_a_tab_whose_app_task_was_cancelled_first_still_ends_its_process():
    """textual-serve cancels a tab's task when the browser goes; stopping it then raised CancelledError out of the
    server's shutdown (a flaky CI failure) and left the process to the end of the server."""
    from textual_serve.download_manager import DownloadManager

    from dltui.serve.web import LearnerTab

    async def nothing(*_):
        return None

    tab = LearnerTab([sys.executable, "-c", "import time; time.sleep(60)"], write_bytes=nothing, write_str=nothing,
                     close=nothing, download_manager=DownloadManager())
    await tab._open_app_process()
    tab._task = asyncio.create_task(asyncio.sleep(60))
    tab._task.cancel()
    await tab.stop()
    assert tab._process.returncode is not None
