"""`dltui serve web`: the lessons in browser tabs through textual-serve, one app process per tab.

Safe by default, as `serve ssh` is: it listens on localhost. Who a tab's learner is comes from one place: a header
that an authenticating reverse proxy sets (`--user-header`), never from what a browser sends on its own. Without
that header configured, every tab is one learner (`--user`, else the serving account) and only localhost may listen.
What protects a class on the network is the proxy's login, and a firewall that lets only the proxy reach this port:
a client that reaches it directly can send the header with any name.

textual-serve starts each tab's app through a shell and leaves it running if it does not quit; here the app is
started without a shell, in its own session with its memory capped (`launch.py`), and killed with everything it
started when its tab closes and the app has not ended within GRACE_S.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from dltui.i18n import _
from dltui.serve.accounts import valid_name
from dltui.serve.launch import launched
from dltui.serve.rules import Refused, is_loopback
from dltui.serve.terminal import GRACE_S, signal_group

log = logging.getLogger("dltui.serve")


@dataclass(frozen=True)
class WebSettings:
    app: Callable[[str], list[str]]  # a learner's name -> the command line their tab runs
    learner: str  # every tab's learner when no header names one
    host: str = "127.0.0.1"
    port: int = 8000
    user_header: str | None = None
    public_url: str | None = None  # the address browsers use, when a proxy stands in front
    sessions: int = 40
    memory_mb: int = 2048


def check_web(settings: WebSettings) -> None:
    if not is_loopback(settings.host) and not settings.user_header:
        raise Refused(_("will not listen on {host} without --user-header: every tab would be {learner}, for anyone who "
                        "reaches the port. Put an authenticating reverse proxy in front that sets a header with the "
                        "learner's name (e.g. --user-header X-Forwarded-User), or keep the default --host "
                        "127.0.0.1.").format(host=settings.host or _("every address"), learner=settings.learner))
    if settings.sessions < 1 or settings.memory_mb < 0:
        raise Refused(_("--max-sessions must be positive, --memory-mb 0 (no cap) or more"))


class LearnerTab(AppService):
    """One tab's app: started without a shell in a new session, and ended whole."""

    def __init__(self, argv: list[str], **options):
        super().__init__(" ".join(argv), **options)
        self.argv = argv

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    async def _open_app_process(self, width: int = 80, height: int = 24) -> asyncio.subprocess.Process:
        self._process = await asyncio.create_subprocess_exec(
            *self.argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=self._build_environment(width=width, height=height),
            start_new_session=True)
        self._stdin = self._process.stdin
        return self._process

    async def stop(self) -> None:
        """Ask the app to quit; after GRACE_S, kill it. Either way, kill what it left in its process group."""
        try:
            await asyncio.wait_for(super().stop(), GRACE_S)
        except (TimeoutError, ConnectionError):
            pass
        except asyncio.CancelledError:  # the app's own task was cancelled first (its tab closed): it ended anyway
            if asyncio.current_task().cancelling():  # this stop itself is being cancelled: let it be
                raise
        if self._process:
            signal_group(self._process.pid, signal.SIGKILL)
            await self._process.wait()


class ClassWebServer(Server):
    """textual-serve's server with a learner per tab, a limit on tabs, and the banner printed when it listens."""

    def __init__(self, settings: WebSettings, banner: str = ""):
        super().__init__("dltui", host=settings.host, port=settings.port, title="dltui",
                         public_url=settings.public_url)
        self.settings = settings
        self.banner = banner
        self.tabs: set[LearnerTab] = set()

    def learner_of(self, request: web.Request) -> str | None:
        if not self.settings.user_header:
            return self.settings.learner
        name = request.headers.get(self.settings.user_header, "")
        return name if valid_name(name) else None

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """As textual-serve's, with the tab's learner and process chosen here."""
        learner = self.learner_of(request)
        if learner is None:
            raise web.HTTPForbidden(text=_("No learner name in the {header} header: sign in through the class's "
                                           "address.").format(header=self.settings.user_header))
        if len(self.tabs) >= self.settings.sessions:
            raise web.HTTPServiceUnavailable(text=_("The class is full ({count} sessions at once).").format(
                count=self.settings.sessions))
        websocket = web.WebSocketResponse(heartbeat=15)
        width, height = to_int(request.query.get("width", "80"), 80), to_int(request.query.get("height", "24"), 24)
        await websocket.prepare(request)
        tab = LearnerTab(launched(self.settings.app(learner), self.settings.memory_mb * 2**20),
                         write_bytes=websocket.send_bytes, write_str=websocket.send_str, close=websocket.close,
                         download_manager=self.download_manager)
        self.tabs.add(tab)
        log.info(_("{learner} opened a tab from {address} ({size}, tab {number} of {count})").format(
            learner=learner, address=request.remote, size=f"{width}×{height}", number=len(self.tabs),
            count=self.settings.sessions))
        try:
            await tab.start(width, height)
            await self._process_messages(websocket, tab)
        except asyncio.CancelledError:
            pass
        finally:
            await tab.stop()
            self.tabs.discard(tab)
            log.info(_("{learner} closed a tab").format(learner=learner))
            await websocket.close()
        return websocket

    def initialize_logging(self) -> None:
        logging.basicConfig(format="%(asctime)s %(message)s", datefmt="%H:%M:%S", level=logging.INFO)
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)

    async def on_startup(self, app: web.Application) -> None:
        print(self.banner, flush=True)

    async def on_shutdown(self, app: web.Application) -> None:
        await asyncio.gather(*(tab.stop() for tab in list(self.tabs)))
