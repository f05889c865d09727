"""`dltui serve ssh`, tried from an asyncssh client: what a learner gets, and everything they must not get."""

import io
import os
import stat
import sys

import asyncssh
import pytest
from learners import all_gone, connect, gone, line, open_app, report, standin

from dltui.cli import main
from dltui.serve.accounts import KeyFiles, PasswordFile
from dltui.serve.rules import Refused
from dltui.serve.ssh import Limits, Settings, check, host_key


async def test_a_learner_gets_the_app_on_a_terminal_of_their_size_under_their_name(start, monkeypatch):
    monkeypatch.setenv("SSH_AUTH_SOCK", "/tmp/teachers-agent")  # the serving account's agent
    monkeypatch.setenv("LANG", "C.UTF-8")  # the server's language, not the learner's
    server = await start(limits=Limits(memory_mb=700))
    async with connect(server, "ada") as conn:
        app = await open_app(conn, (100, 30), term_type="xterm-kitty",
                             env={"LANG": "zh_CN.UTF-8", "NO_COLOR": "1", "TEXTUAL": "devtools,debug"})
        seen = await report(app)
        assert (seen["learner"], seen["size"], seen["TERM"], seen["LANG"], seen["NO_COLOR"]) == \
               ("ada", "100x30", "xterm-kitty", "zh_CN.UTF-8", "1")
        assert seen["TEXTUAL"] is None and seen["SSH_AUTH_SOCK"] is None  # neither the client's nor the server's
        assert seen["foreground"] and seen["memory"] == 700 * 2**20  # its terminal controls it; memory is capped
        app.change_terminal_size(120, 40)
        assert await line(app) == "size 120x40"
        app.stdin.write(b"x")
        assert await line(app) == "key x"
        app.stdin.write(b"q")  # the app quits: the session ends with its status
        assert (await app.wait(timeout=5)).exit_status == 0


async def test_a_closed_connection_ends_the_app_and_everything_it_started(start):
    server = await start(app=standin("grandchild"))
    async with connect(server) as conn:
        seen = await report(await open_app(conn))
        assert not gone(seen["pid"]) and not gone(seen["grandchild"])
    assert await all_gone([seen["pid"], seen["grandchild"]])
    assert not server.sessions


async def test_commands_subsystems_forwarding_and_sessions_without_a_terminal_are_refused(start):
    server = await start()
    async with connect(server) as conn:
        for request in (conn.create_process("cat /etc/passwd"), conn.create_process(subsystem="sftp"),
                        conn.start_sftp_client()):
            with pytest.raises((asyncssh.ChannelOpenError, asyncssh.SFTPError)):
                await request
        with pytest.raises(asyncssh.ChannelOpenError):  # to a port that is listening: the server's own
            await conn.open_connection("127.0.0.1", server.port)
        with pytest.raises(asyncssh.ChannelListenError):
            await conn.forward_remote_port("127.0.0.1", 0, "127.0.0.1", server.port)
        no_terminal = await conn.create_process(encoding=None)
        assert b"needs a terminal" in await no_terminal.stdout.read()
        assert (await no_terminal.wait()).exit_status == 1
        assert not server.sessions


async def test_only_the_learners_own_key_or_password_signs_in_as_them(start, tmp_path):
    keys = tmp_path / "keys"
    keys.mkdir()
    ada_key, stranger = (asyncssh.generate_private_key("ssh-ed25519") for _ in range(2))
    ada_key.write_public_key(keys / "ada.pub")
    passwords = PasswordFile(tmp_path / "passwords")
    passwords.add("bo", "correct horse")
    server = await start(keys=KeyFiles(str(keys / "%u.pub")), passwords=passwords)

    async def signs_in(name, **options):
        try:
            async with connect(server, name, **options) as conn:
                return (await report(await open_app(conn)))["learner"]
        except asyncssh.PermissionDenied:
            return None

    assert await signs_in("ada", client_keys=[ada_key]) == "ada"
    assert await signs_in("bo", password="correct horse") == "bo"
    assert await signs_in("ada", client_keys=[stranger]) is None  # a wrong key
    assert await signs_in("bo", client_keys=[ada_key]) is None  # ada's key is not bo's
    assert await signs_in("bo", password="correct horsE") is None  # a wrong password
    assert await signs_in("ada", password="correct horse") is None  # bo's password is not ada's
    assert await signs_in("../keys/ada", client_keys=[ada_key]) is None  # a name that is a path


def test_a_public_address_without_authentication_is_refused(tmp_path, capsys):
    assert main(["serve", "ssh", "--host", "0.0.0.0", "--data-dir", str(tmp_path)]) == 2
    assert "will not listen on 0.0.0.0 without authentication" in capsys.readouterr().err
    assert not (tmp_path / "progress.sqlite3").exists()  # refused before anything was made
    open_to_all = Settings(app=standin(), folder=tmp_path, host="0.0.0.0")
    with pytest.raises(Refused):
        check(open_to_all)
    check(Settings(app=standin(), folder=tmp_path, host="0.0.0.0", keys=KeyFiles("keys/%u.pub")))
    check(Settings(app=standin(), folder=tmp_path, host="localhost"))


async def test_sessions_past_the_limit_are_turned_away_and_idle_ones_ended(start):
    server = await start(limits=Limits(sessions=1, idle_s=0.5))
    async with connect(server, "ada") as first, connect(server, "bo") as second:
        app = await open_app(first)
        await report(app)
        turned_away = await open_app(second)
        assert b"The class is full (1 sessions at once)" in await turned_away.stdout.read()
        assert (await turned_away.wait(timeout=5)).exit_status == 1
        app.stdin.write(b"x")  # a key keeps it alive a while longer
        assert await line(app) == "key x"
        rest = await app.stdout.read()
        assert b"\x1b[?1049l" in rest and b"Closed after 0.00833333 minutes without a key" in rest
        assert (await app.wait(timeout=5)).exit_status == 128 + 1  # SIGHUP


def test_add_user_keeps_only_a_salted_hash_readable_by_the_server_alone(tmp_path, monkeypatch, capsys):
    for name in ("ada", "bo"):
        monkeypatch.setattr(sys, "stdin", io.StringIO("same password\n"))
        assert main(["serve", "add-user", name, "--data-dir", str(tmp_path)]) == 0
    assert "added bo" in capsys.readouterr().out
    path = tmp_path / "serve" / "passwords"
    text = path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and "same password" not in text
    hashes = PasswordFile(path).hashes()
    assert hashes["ada"] != hashes["bo"]  # salted: the same password, two hashes
    assert PasswordFile(path).verify("ada", "same password") and not PasswordFile(path).verify("ada", "same passwor")
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert main(["serve", "add-user", "cy", "--data-dir", str(tmp_path)]) == 2
    monkeypatch.setattr(sys, "stdin", io.StringIO("long enough\n"))
    assert main(["serve", "add-user", "../bo", "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "at least 8 characters" in err and "not a learner name" in err
    assert set(PasswordFile(path).hashes()) == {"ada", "bo"}


def test_the_host_key_is_made_once_private_and_kept(tmp_path):
    key, path, made = host_key(tmp_path / "serve")
    assert made and stat.S_IMODE(path.stat().st_mode) == 0o600
    again, _, made_again = host_key(tmp_path / "serve")
    assert not made_again and again.get_fingerprint() == key.get_fingerprint()
    os.chmod(path, 0o644)
    with pytest.raises(Refused, match="chmod 600"):
        host_key(tmp_path / "serve")


def test_every_serve_command_takes_lang(tmp_path, monkeypatch, capsys):
    """`dltui serve … --lang zh`: the server's own messages in that language (ssh and web pass it on to the sessions
    too); add-user takes it as well."""
    from dltui import i18n

    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert main(["serve", "add-user", "cy", "--data-dir", str(tmp_path), "--lang", "zh"]) == 2
    assert i18n.language == "zh"  # what follows is the Chinese catalog's, whatever it holds now
    assert capsys.readouterr().err == i18n._("dltui serve add-user: {error}").format(
        error=i18n._("a password needs at least {count} characters").format(count=8)) + "\n"
    for command, template, refusal in (
            ("ssh", "dltui serve ssh: {error}",
             "--max-sessions and --idle-minutes must be positive, --memory-mb 0 (no cap) or more"),
            ("web", "dltui serve web: {error}", "--max-sessions must be positive, --memory-mb 0 (no cap) or more")):
        i18n.use("en")
        assert main(["serve", command, "--lang", "zh", "--max-sessions", "0", "--data-dir", str(tmp_path)]) == 2
        assert i18n.language == "zh"
        assert capsys.readouterr().err == i18n._(template).format(error=i18n._(refusal)) + "\n"
