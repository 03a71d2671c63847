"""Read a hand-in as a file: never follow a link, never leave SUBMISSIONS_DIR, never read too much.

An unzipped LMS archive may hold symbolic links (one pointing at the instructor's
notebook would put the model answer into a student's feedback), FIFOs that block a
reader forever, or files of any size. :func:`read_handin` opens a hand-in one path
component at a time from ``SUBMISSIONS_DIR`` (``openat`` with ``O_NOFOLLOW``, so no
component can be swapped for a link between a check and the open), refuses anything
that is not a regular file, and reads at most the stated limit. Whatever is wrong
becomes :class:`Ungradable`, whose ``reason`` is one sentence for the grade table
and the student's feedback.

Limits on hand-ins (the instructors' guide, ``autograder/README.md``, states them too):

====================== ============== ===============================================
limit                  value          why
====================== ============== ===============================================
``MAX_NOTEBOOK_BYTES`` 25 MiB         a lesson notebook run with all its figures is
                                      well under 1 MiB; 25 leaves room for pasted
                                      photos and big outputs
``MAX_TIMESTAMP_BYTES`` 4 KiB         nbgrader's ``timestamp.txt`` is one line
``MAX_CELLS``          2,000          the lessons have 27-56 cells
``MAX_CELL_SOURCE``    200,000 chars  the longest lesson cell has about 2,100
``MAX_TOTAL_SOURCE``   1,000,000 chars of source over all cells
``MAX_JSON_DEPTH``     64             a notebook nests about 8 deep
====================== ============== ===============================================

The cell, source and nesting limits are applied by
:func:`convkit.grading.rebuild.parse_notebook` (as ``NotANotebook``).
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path, PurePath

#: the largest notebook file read, in bytes
MAX_NOTEBOOK_BYTES = 25 * 1024 * 1024
#: the largest ``timestamp.txt`` read, in bytes
MAX_TIMESTAMP_BYTES = 4 * 1024
#: the most cells a notebook may have
MAX_CELLS = 2_000
#: the most characters of source in one cell
MAX_CELL_SOURCE = 200_000
#: the most characters of source over all cells
MAX_TOTAL_SOURCE = 1_000_000
#: the deepest nesting of JSON arrays and objects
MAX_JSON_DEPTH = 64

_UNSAFE_NAME = re.compile("[<>&\"'`\x00-\x1f\x7f]")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # a FIFO must not block the open
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class Ungradable(ValueError):
    """A hand-in that cannot be read as a file of the class.

    Parameters
    ----------
    reason : str
        One sentence saying why, for the grade table and the feedback page.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.1f} MB"
    if count >= 1024:
        return f"{count / 1024:.1f} KB"
    return f"{count} bytes"


def _relative_parts(path: Path, root: Path) -> tuple[str, ...]:
    """The components of ``path`` below ``root``, checked lexically (no file is touched)."""
    root_parts = PurePath(os.path.abspath(root)).parts
    full = path if path.is_absolute() else Path(os.path.abspath(root)) / path
    if ".." in full.parts:
        raise Ungradable(f"the path {path} goes up a folder (..), out of the submissions folder")
    full_parts = PurePath(os.path.abspath(full)).parts
    if full_parts[: len(root_parts)] != root_parts or len(full_parts) == len(root_parts):
        raise Ungradable(f"the path {path} is not a file inside the submissions folder {root}")
    return full_parts[len(root_parts):]


def read_handin(path: Path, submissions_root: Path, *,
                max_bytes: int = MAX_NOTEBOOK_BYTES) -> bytes:
    """The bytes of one hand-in file, read without following any symbolic link.

    Parameters
    ----------
    path : Path
        The file, inside ``submissions_root`` (absolute, or relative to it).
    submissions_root : Path
        SUBMISSIONS_DIR. It may itself be a link (the instructor chose it); nothing
        below it may be.
    max_bytes : int
        The largest file read (default :data:`MAX_NOTEBOOK_BYTES`, 25 MiB; use
        :data:`MAX_TIMESTAMP_BYTES` for ``timestamp.txt``).

    Returns
    -------
    bytes

    Raises
    ------
    Ungradable
        When any component of the path below ``submissions_root`` is a symbolic link
        or has a name :func:`check_name` refuses (one formgrader would show as markup),
        the path leaves ``submissions_root``, the file is not a regular file (a folder,
        FIFO, device or socket), does not exist, or holds more than ``max_bytes``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     root = Path(tmp)
    ...     (root / "ada" / "01").mkdir(parents=True)
    ...     _ = (root / "ada" / "01" / "nb.ipynb").write_text("{}")
    ...     (root / "ada" / "01" / "link.ipynb").symlink_to(root / "ada" / "01" / "nb.ipynb")
    ...     print(read_handin(root / "ada" / "01" / "nb.ipynb", root))
    ...     try:
    ...         read_handin(root / "ada" / "01" / "link.ipynb", root)
    ...     except Ungradable as exc:
    ...         print(exc.reason[:36])
    b'{}'
    ada/01/link.ipynb is a symbolic link
    """
    if not isinstance(max_bytes, int) or max_bytes < 0:
        raise ValueError(f"max_bytes must be a non-negative int; got {max_bytes!r}")
    path, root = Path(path), Path(submissions_root)
    parts = _relative_parts(path, root)
    for part in parts:
        check_name(part)
    shown = "/".join(parts)
    try:
        folder = os.open(root, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    except OSError as exc:
        raise Ungradable(f"the submissions folder {root} cannot be opened ({exc.strerror})"
                         ) from None
    try:
        for index, part in enumerate(parts[:-1]):
            here = "/".join(parts[: index + 1])
            try:
                inner = os.open(part, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC,
                                dir_fd=folder)
            except OSError as exc:
                raise _refusal(here, exc, folder=True, parent=folder, name=part) from None
            os.close(folder)
            folder = inner
        name = parts[-1]
        try:
            fd = os.open(name, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC, dir_fd=folder)
        except OSError as exc:
            raise _refusal(shown, exc, folder=False, parent=folder, name=name) from None
    finally:
        os.close(folder)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Ungradable(f"{shown} is not a regular file ({_kind(info.st_mode)}); "
                             "hand in the notebook file itself")
        if info.st_size > max_bytes:
            raise Ungradable(f"{shown} is {_size(info.st_size)}, more than the "
                             f"{_size(max_bytes)} a hand-in may be")
        chunks, total = [], 0
        while total <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > max_bytes:  # it grew while being read
            raise Ungradable(f"{shown} is more than the {_size(max_bytes)} a hand-in may be")
        return b"".join(chunks)
    finally:
        os.close(fd)


def check_name(name: str) -> str:
    """``name`` (a student's or an assignment's folder, a file) if it is safe to show; else raise.

    nbgrader's formgrader puts the student id into its pages unescaped, inside the
    instructor's logged-in session, so a folder called ``x<img src=x onerror=...>``
    would run its script there. Names holding ``<``, ``>``, ``&``, a quote, a backtick
    or a control character are refused.

    Raises
    ------
    Ungradable
        For such a name.

    Examples
    --------
    >>> check_name("ada.lovelace@uni-x.org")
    'ada.lovelace@uni-x.org'
    >>> try:
    ...     check_name("x<img src=x onerror=alert(1)>")
    ... except Ungradable as exc:
    ...     print(exc.reason[:63])
    the name 'x<img src=x onerror=alert(1)>' holds <, >, &, a quote
    """
    if _UNSAFE_NAME.search(name):
        raise Ungradable(f"the name {name!r} holds <, >, &, a quote, a backtick or a control "
                         "character, which nbgrader's formgrader would show as markup; rename "
                         "the folder or file (letters, digits, _ - . @ + and spaces are fine)")
    return name


def _kind(mode: int) -> str:
    for test, word in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISLNK, "a symbolic link")):
        if test(mode):
            return word
    return "not a plain file"


def _refusal(shown: str, exc: OSError, *, folder: bool, parent: int, name: str) -> Ungradable:
    """The Ungradable for a failed ``openat`` of ``name`` (shown as ``shown``)."""
    try:
        mode = os.lstat(name, dir_fd=parent).st_mode
    except OSError:
        mode = None
    if mode is not None and stat.S_ISLNK(mode):
        return Ungradable(f"{shown} is a symbolic link; the grader reads only the files "
                          "themselves, never what a link points to")
    if exc.errno in (errno.ENOENT,) or mode is None:
        return Ungradable(f"{shown} does not exist")
    if folder and exc.errno == errno.ENOTDIR:
        return Ungradable(f"{shown} is not a folder")
    if not folder and not stat.S_ISREG(mode):
        return Ungradable(f"{shown} is not a regular file ({_kind(mode)}); "
                          "hand in the notebook file itself")
    return Ungradable(f"{shown} cannot be read ({exc.strerror})")


__all__ = ["Ungradable", "read_handin", "check_name", "MAX_NOTEBOOK_BYTES", "MAX_TIMESTAMP_BYTES",
           "MAX_CELLS", "MAX_CELL_SOURCE", "MAX_TOTAL_SOURCE", "MAX_JSON_DEPTH"]
