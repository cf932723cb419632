"""Files only the bot's own account may read: the database holds special categories of
personal data (Art. 9 GDPR), and so do its write-ahead log, its backups and the exports.
Each is created 0600 in a folder created 0700, whatever the umask the process was started
with; the `msobot` command also sets the umask to 077 for everything else it writes."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path
from typing import TextIO

PRIVATE_UMASK = 0o077
FILE_MODE = 0o600
FOLDER_MODE = 0o700


def keep_private() -> None:
    """From now on this process creates files 0600 and folders 0700."""
    os.umask(PRIVATE_UMASK)


def private_folder(path: Path) -> Path:
    """`path` and any missing parents, the ones made here 0700 (an existing folder is the
    operator's and keeps its mode)."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=FOLDER_MODE, exist_ok=True)
        os.chmod(folder, FOLDER_MODE)  # mkdir's mode is cut by the umask
    return path


def private_file(path: Path) -> Path:
    """`path` exists (empty if new) and only its owner may read or write it."""
    private_folder(path.parent)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, FILE_MODE))
    if stat.S_IMODE(path.stat().st_mode) & ~FILE_MODE:
        with contextlib.suppress(PermissionError):  # another account's file: theirs to keep private
            os.chmod(path, FILE_MODE)
    return path


def open_private(path: Path, encoding: str = "utf-8", newline: str | None = None) -> TextIO:
    """A text file to write, created (or emptied) 0600."""
    private_file(path)
    return path.open("w", encoding=encoding, newline=newline)
