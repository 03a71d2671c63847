"""Clean up after sandboxed runs: no process a student started outlives the run.

A sandboxed run happens in its own session and process group, which the sandbox
kills when the run ends. A process that escaped that group (``setsid``, a double
fork, ``start_new_session=True``) would survive it, re-parented to init, out of
reach. Two functions close that gap (Linux; elsewhere they do nothing):

- :func:`enable_subreaper` makes this process a *child subreaper*
  (``prctl(PR_SET_CHILD_SUBREAPER)``): an orphan among its descendants is
  re-parented to it instead of to init, so it stays a descendant;
- :func:`kill_strays` kills (``SIGKILL``) and reaps the descendants of this process
  that are not known children, found from ``/proc/<pid>/stat``.

Killing another part of the grader's own children would be a bug, so
:func:`kill_strays` can be told what a stray looks like (the sandbox's uid, or an
environment marker that every sandboxed process inherits) and which processes are
known (the sandboxes still running in other threads). It never waits for a
process it did not kill, so it cannot steal another ``Popen``'s exit status.

Examples
--------
>>> enable_subreaper() in (True, False)
True
>>> kill_strays(known_pids=[os.getpid()], uid=2**31 - 7)
[]
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable

PR_SET_CHILD_SUBREAPER = 36
PR_GET_CHILD_SUBREAPER = 37

_lock = threading.Lock()
_enabled = False


def enable_subreaper() -> bool:
    """Make this process the reaper of its orphaned descendants (idempotent).

    Returns
    -------
    bool
        True when the flag is set (Linux), False where it is not available.
    """
    global _enabled
    if not sys.platform.startswith("linux"):
        return False
    with _lock:
        if _enabled:
            return True
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
                return False
        except (OSError, AttributeError):
            return False
        _enabled = True
        return True


def is_subreaper() -> bool:
    """Whether this process is a child subreaper (False where that cannot be asked)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        flag = ctypes.c_int(0)
        if libc.prctl(PR_GET_CHILD_SUBREAPER, ctypes.byref(flag), 0, 0, 0) != 0:
            return False
        return bool(flag.value)
    except (OSError, AttributeError):
        return False


def descendants(root: int | None = None) -> dict[int, int]:
    """``{pid: parent pid}`` for every descendant of ``root`` (default: this process)."""
    root = os.getpid() if root is None else root
    children: dict[int, list[int]] = {}
    parents: dict[int, int] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return {}
    for entry in entries:
        if not entry.isdigit():
            continue
        stat = _stat(int(entry))
        if stat is None:
            continue
        pid, ppid = int(entry), stat[1]
        parents[pid] = ppid
        children.setdefault(ppid, []).append(pid)
    found: dict[int, int] = {}
    todo = list(children.get(root, ()))
    while todo:
        pid = todo.pop()
        if pid in found:
            continue
        found[pid] = parents[pid]
        todo.extend(children.get(pid, ()))
    return found


def kill_strays(
    known_pids: Iterable[int] = (),
    *,
    spare_children_of: Iterable[int] = (),
    uid: int | None = None,
    environ_marker: str | None = None,
    grace: float = 2.0,
) -> list[int]:
    """Kill and reap every descendant of this process that is not a known child.

    Parameters
    ----------
    known_pids : iterable of int
        Processes to leave alone (for example sandboxes still running in other
        threads). Their descendants are not spared, unless ``spare_children_of`` says so.
    spare_children_of : iterable of int
        Processes whose direct children are left alone too (a running sandbox whose
        first process forked the one that runs the student's code, in its own PID
        namespace: that namespace dies with it, grandchildren included).
    uid : int, optional
        Only kill descendants whose real uid is ``uid``.
    environ_marker : str, optional
        Only kill descendants whose environment holds ``environ_marker``
        (``"NAME=value"``). With ``uid`` too, a process matching either is killed.
    grace : float
        Seconds to wait for the killed processes to be re-parented and reaped.

    Returns
    -------
    list of int
        The pids that were sent ``SIGKILL``.
    """
    known = {int(pid) for pid in known_pids}
    parents = {int(pid) for pid in spare_children_of}
    me = os.getpid()
    marker = environ_marker.encode() if environ_marker is not None else None
    killed: list[int] = []
    family = descendants(me)
    for pid in sorted(family):
        if pid in known or family[pid] in parents or not _matches(pid, uid, marker):
            continue
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
        except PermissionError:
            continue
        killed.append(pid)
    _reap(killed, me, grace)
    return killed


def _matches(pid: int, uid: int | None, marker: bytes | None) -> bool:
    if uid is None and marker is None:
        return True
    if uid is not None and _uid(pid) == uid:
        return True
    if marker is not None:
        try:
            with open(f"/proc/{pid}/environ", "rb") as handle:
                return marker in handle.read().split(b"\0")
        except OSError:
            return False
    return False


def _reap(pids: list[int], me: int, grace: float) -> None:
    """Wait for the killed processes: reap those that are (or become) our children."""
    pending = set(pids)
    deadline = time.monotonic() + grace
    while pending:
        for pid in sorted(pending):
            stat = _stat(pid)
            if stat is None:  # gone: reaped by its own parent
                pending.discard(pid)
            elif stat[1] == me:  # our child (or re-parented to us): reap it
                try:
                    os.waitpid(pid, 0)
                except ChildProcessError:
                    pass
                pending.discard(pid)
        if not pending or time.monotonic() > deadline:
            return
        time.sleep(0.01)


def _stat(pid: int) -> tuple[str, int] | None:
    """``(state, ppid)`` from ``/proc/<pid>/stat``, or None when the process is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    fields = data[data.rfind(b")") + 2:].split()
    try:
        return fields[0].decode(), int(fields[1])
    except (IndexError, ValueError):
        return None


def _uid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status", "rb") as handle:
            for line in handle:
                if line.startswith(b"Uid:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None
