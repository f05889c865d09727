"""Who may sign in to a served class: learner names, salted password hashes, one authorized_keys file per learner.

Passwords are kept only as scrypt hashes with a random salt each (stdlib `hashlib.scrypt`), in a file only the serving
account can read; `dltui serve add-user NAME` writes it. Keys come from an OpenSSH authorized_keys file whose path may
hold `%u` for the learner's name (as OpenSSH's AuthorizedKeysFile does), so each learner's key signs in as that
learner only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from dltui.i18n import N_, _

# An SSH user name becomes a learner name, a progress key and maybe part of a path: letters, digits, . _ -
LEARNER_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}")
NAME_RULE = N_("1 to 32 letters, digits, '.', '_' or '-', not starting with '.' or '-'")
MIN_PASSWORD = 8
SCRYPT = {"n": 2**14, "r": 8, "p": 1}  # 16 MiB and about 50 ms a check: slow to guess, quick to sign in
HASH_BYTES = 32


def valid_name(name: str) -> bool:
    return LEARNER_NAME.fullmatch(name) is not None


def hash_password(password: str, salt: bytes | None = None, n: int = SCRYPT["n"], r: int = SCRYPT["r"],
                  p: int = SCRYPT["p"]) -> str:
    """`scrypt$n$r$p$salt$hash`, salt and hash in base64."""
    salt = secrets.token_bytes(16) if salt is None else salt
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=HASH_BYTES)
    b64 = base64.b64encode
    return f"scrypt${n}${r}${p}${b64(salt).decode()}${b64(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = hash_password(password, base64.b64decode(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(expected, stored)


# Checked against when the name is unknown, so a wrong name takes as long to refuse as a wrong password.
_DECOY = hash_password(secrets.token_hex(8))


@dataclass(frozen=True)
class PasswordFile:
    """Lines `NAME:scrypt$...`; read at every sign-in, so a learner added while the class runs can sign in."""

    path: Path

    def hashes(self) -> dict[str, str]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return {}
        return dict(line.split(":", 1) for line in lines if ":" in line and not line.startswith("#"))

    def verify(self, name: str, password: str) -> bool:
        stored = self.hashes().get(name) if valid_name(name) else None
        return check_password(password, stored or _DECOY) and stored is not None

    def add(self, name: str, password: str) -> bool:
        """Set NAME's password (True if NAME is new). The file is replaced whole, readable by its owner only."""
        if not valid_name(name):
            raise ValueError(_("{name} is not a learner name ({rule})").format(name=repr(name), rule=_(NAME_RULE)))
        if len(password) < MIN_PASSWORD:
            raise ValueError(_("a password needs at least {count} characters").format(count=MIN_PASSWORD))
        hashes = self.hashes()
        new = name not in hashes
        hashes[name] = hash_password(password)
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}")
        with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as f:
            f.write("# dltui serve: learner:scrypt$n$r$p$salt$hash (written by `dltui serve add-user`)\n")
            f.writelines(f"{user}:{stored}\n" for user, stored in sorted(hashes.items()))
        os.replace(temporary, self.path)
        return new


@dataclass(frozen=True)
class KeyFiles:
    """OpenSSH authorized_keys files: `template` with `%u` is one file per learner; without it, one file whose keys
    sign in under any learner name (for a teacher's own keys, or a class where names are not secrets)."""

    template: str

    @property
    def per_learner(self) -> bool:
        return "%u" in self.template

    def path_for(self, name: str) -> Path:
        return Path(self.template.replace("%u", name)).expanduser()
