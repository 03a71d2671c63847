"""One ``convkit grade`` at a time per output folder.

The lock is an ``fcntl.flock`` on ``OUT_DIR/.convkit-grade.lock``: the kernel drops
it when the process ends, even by SIGKILL, so a killed run never leaves a stale lock
behind and the next run can resume at once.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

LOCK_NAME = ".convkit-grade.lock"


class OutDirBusy(RuntimeError):
    """Another ``convkit grade`` is writing to the same output folder."""


class OutDirLock:
    """Context manager holding the output folder's lock.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with OutDirLock(Path(tmp)):
    ...         try:
    ...             OutDirLock(Path(tmp)).__enter__()
    ...         except OutDirBusy:
    ...             print("busy")
    busy
    """

    def __init__(self, out_dir: Path) -> None:
        self.path = Path(out_dir) / LOCK_NAME
        self._fd: int | None = None

    def __enter__(self) -> OutDirLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise OutDirBusy(
                f"another `convkit grade` is writing to {self.path.parent}; wait for it to "
                "finish (or choose another --out folder)") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
