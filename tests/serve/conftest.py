"""A class server on a free port of localhost, running the stand-in app unless a test asks for the real one.
No sshd involved: asyncssh on both ends (the clients are in learners.py)."""

from __future__ import annotations

import pytest
from learners import standin

from dltui.serve.ssh import ClassServer, Settings, serve


@pytest.fixture
async def start(tmp_path):
    """`await start(app=..., **settings)`: a listening server; every one is closed (its sessions ended) after."""
    servers = []

    async def start(app=standin(), **settings) -> ClassServer:
        server = await serve(Settings(app=app, folder=tmp_path / "serve", port=0, **settings))
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.close()
