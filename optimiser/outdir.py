"""Output folders: checked before any solve, written atomically, replaced only when they hold a previous run.

Every output folder gets a manifest, ``parkdispatch-manifest.json``, listing the files
parkdispatch wrote into it. ``--overwrite`` replaces a folder only when its manifest is
there and lists everything the folder holds; any other non-empty folder is refused, and
so is the folder holding the scenario or one of its input files, the current working
directory and any folder above them. Files are written into a hidden sibling
``.<name>.tmp-<random>`` that is renamed into place, so a folder is either complete or
untouched; temporaries left behind by killed runs are removed by the next run into the
same parent. Folders are created with the user's umask.

This module imports only the standard library, so the CLI can check ``--out`` before
loading the solver.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable

from . import __version__
from .errors import ScenarioError
from .interrupts import raise_if_interrupted

MANIFEST = "parkdispatch-manifest.json"
"""the file that marks a folder as written by parkdispatch and lists what it wrote"""
OWNER = ".parkdispatch-owner"
"""inside a temporary folder: the process id writing it (a dead owner makes the folder stale)"""
STALE_UNOWNED_S = 60.0
"""a temporary folder without an owner file is stale after this long [s] (its writer died before writing it)"""


def check_output_dir(out_dir: str | Path, overwrite: bool = False, protect: Iterable[str | Path] = ()) -> Path:
    """The absolute output folder, after checking it can be written; raise :class:`ScenarioError` if not.

    Refused (exit 2): an existing file; a parent that is a file or not writable; the current
    directory or a folder above it; a folder holding (at any depth) a path in ``protect``
    (the scenario file and its inputs); a non-empty folder without ``overwrite``; with
    ``overwrite``, a folder that is not a previous parkdispatch output (see :func:`written_files`).
    """
    out = Path(os.path.abspath(Path(out_dir).expanduser()))
    shown = str(out_dir)
    if out.exists() and not out.is_dir():
        raise ScenarioError(f"--out {shown} is an existing file, not a folder; choose a folder name")
    cwd = Path.cwd().resolve()
    real = out.resolve()
    if real == cwd or real in cwd.parents:
        raise ScenarioError(f"--out {shown} is the current directory or holds it; outputs go into a folder of their "
                            "own (replaced as a whole), e.g. --out runs/demo")
    for path in protect:
        held = Path(path).resolve()
        if real == held.parent or real in held.parents:
            raise ScenarioError(f"--out {shown} holds the scenario or its input {held}; outputs go into a folder of "
                                "their own, e.g. a sub-folder runs/demo")
    parent = _existing_ancestor(out.parent)
    if not parent.is_dir():
        raise ScenarioError(f"--out {shown}: {parent} is a file, so no folder can be made under it")
    if not os.access(parent, os.W_OK | os.X_OK) or _read_only_fs(parent):
        raise ScenarioError(f"--out {shown}: folder {parent} is not writable (permissions or a read-only file system)")
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:
            raise ScenarioError(f"output directory {shown} exists and is not empty; choose another --out or pass "
                                "--overwrite (which replaces only a previous parkdispatch output)")
        foreign = _foreign_entries(out)
        if foreign is not None:
            raise ScenarioError(f"output directory {shown} is not a previous parkdispatch output ({foreign}); "
                                "--overwrite replaces only a folder parkdispatch wrote: choose another --out")
    return out


@contextmanager
def atomic_directory(out_dir: str | Path, overwrite: bool = False, protect: Iterable[str | Path] = (),
                     command: str = "run"):
    """Yield a temporary sibling folder that replaces ``out_dir`` only when the block succeeds.

    ``out_dir`` is checked with :func:`check_output_dir` first (nothing is touched if it is
    refused). A manifest listing the files written is added last. On any failure (including
    Ctrl-C) the temporary folder is removed and ``out_dir`` is left as it was.
    """
    out = check_output_dir(out_dir, overwrite, protect)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScenarioError(f"--out {out_dir}: cannot create {out.parent}: {exc.strerror}") from None
    remove_stale_temporaries(out.parent)
    tmp = _make_temporary(out, "tmp")
    try:
        yield tmp
        (tmp / OWNER).unlink()
        files = sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file())
        (tmp / MANIFEST).write_text(json.dumps({"written_by": "parkdispatch", "version": __version__,
                                                "command": command, "files": files}, indent=2) + "\n")
        raise_if_interrupted()  # a Ctrl-C Python dropped in a finaliser still leaves nothing written
        if out.exists():
            check_output_dir(out, overwrite, protect)  # unchanged while we were writing?
            old = _free_name(out, "old")
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ScenarioError(f"--out {out_dir}: cannot write the outputs: {exc.strerror or exc}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def written_files(folder: Path) -> list[str] | None:
    """The files the manifest of ``folder`` lists, or None if it has no readable parkdispatch manifest."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("written_by") != "parkdispatch":
        return None
    files = manifest.get("files")
    return [str(f) for f in files] if isinstance(files, list) else None


def remove_stale_temporaries(parent: Path) -> list[Path]:
    """Remove ``.<name>.tmp-*`` / ``.<name>.old-*`` folders of dead parkdispatch runs in ``parent``; return them.

    A temporary is ours if it carries the owner file (or is an ``.old-`` folder holding a
    manifest); it is stale when that process no longer runs. Other folders are never touched.
    """
    removed = []
    for entry in parent.glob(".*.*-*"):
        if not entry.is_dir() or not (".tmp-" in entry.name or ".old-" in entry.name):
            continue
        owner = entry / OWNER
        if owner.is_file():
            stale = _owner_dead(owner)
        elif (entry / MANIFEST).is_file():
            stale = time.time() - entry.stat().st_mtime > STALE_UNOWNED_S
        else:
            continue
        if stale:
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def _make_temporary(out: Path, kind: str) -> Path:
    """A new hidden sibling of ``out`` created with the user's umask, holding the owner file."""
    while True:
        try:
            path = _free_name(out, kind)
            path.mkdir()
        except FileExistsError:  # pragma: no cover - taken in between
            continue
        (path / OWNER).write_text(f"{os.getpid()}\n")
        return path


def _free_name(out: Path, kind: str) -> Path:
    """``.<name>.<kind>-<random>`` next to ``out``, not in use."""
    while True:
        path = out.parent / f".{out.name}.{kind}-{secrets.token_hex(4)}"
        if not path.exists():
            return path


def _owner_dead(owner: Path) -> bool:
    try:
        pid = int(owner.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return time.time() - owner.stat().st_mtime > STALE_UNOWNED_S
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def _foreign_entries(folder: Path) -> str | None:
    """None if ``folder`` holds only files its manifest lists; else a short description of what else it holds."""
    listed = written_files(folder)
    if listed is None:
        return f"no {MANIFEST}"
    allowed = set(listed) | {MANIFEST}
    foreign = sorted(str(p.relative_to(folder)) + ("/" if p.is_dir() else "")
                     for p in folder.rglob("*")
                     if str(p.relative_to(folder)) not in allowed
                     and not (p.is_dir() and any(f.startswith(f"{p.relative_to(folder)}/") for f in allowed)))
    if not foreign:
        return None
    shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
    return f"it holds {shown}, which parkdispatch did not write"


def _existing_ancestor(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _read_only_fs(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # pragma: no cover
        return False
