"""Run one student's function in a fresh, locked-down process and get plain data back.

nbgrader runs a notebook's answer cells and test cells in one kernel, so anything
decided in that kernel can be forged. The grader decides points in its own process
instead, from plain data that :func:`run_in_sandbox` gets back from a separate,
fresh Python process that ran only the student's answer cells.

Defence in depth, each layer tested in ``tests/test_sandbox.py``:

1. **Process.** ``python -I -B _runner.py WORKDIR`` in a new session (its own process
   group), stdin from ``/dev/null``, in a private temporary folder, with a minimal
   environment (``PATH``, ``HOME`` = the folder, ``LANG``, one BLAS/OpenMP thread,
   ``MPLBACKEND=Agg``). A wall-clock timeout kills the whole group with ``SIGKILL``
   (which no handler can ignore); the group is killed after every run, even a
   successful one.
2. **Resource limits**, set by the runner as its first act (``preexec_fn`` is not safe
   in the grader's thread pool): CPU seconds (timeout + 1), address space
   (``memory_mb``), file size, open files, no core dumps.
3. **Audit hook** (``sys.addaudithook``, which cannot be removed), installed after
   NumPy and the allowed modules are imported and the inputs read: it refuses
   imports of forbidden modules, reading outside the sandbox folder and the
   interpreter's and the allowed packages' folders (so never the course, the
   solutions, the gradebook, ``convkit``), writing anywhere but the run's two output
   files, processes, signals to other processes, sockets, ``ctypes``, sub-interpreters,
   frame and garbage-collector introspection, ``__code__`` replacement and hand-made
   code objects. Each refusal raises ``PermissionError`` in the student's code and is
   listed in :attr:`SandboxResult.violations`. What the student's code could still do
   inside its own process, and why it gains nothing, is the threat model in
   :mod:`convkit.grading._runner`.
4. **Namespaces** (root, where the kernel allows them). The runner enters new mount,
   network, IPC and PID namespaces before it imports anything, and forks once: its
   child is PID 1 of the new PID namespace and runs the job, the parent only waits and
   passes on how the child ended. After the imports the child replaces its root with
   an empty file system holding only the interpreter's standard library, the packages
   it imported (NumPy, the allowed ones), the folders of the C libraries it loaded, at
   its own folder's path a 64 MB in-memory scratch folder (the only writable place,
   holding the two result files, bound from the real folder), ``/dev/null``, ``zero``,
   ``random``, ``urandom`` and a fresh ``/proc`` that shows only its own process
   (``pivot_root``; the old root is detached). So neither Python nor C code (OpenCV's
   ``imread``, ``FileStorage``, its FFmpeg reader) can read the course, the
   submissions, the output folder, other sandboxes or other processes' command lines,
   nor write into ``/tmp``, ``/var/tmp`` or ``/dev/shm``; the ``hidden_folders`` inside
   what is kept are covered as well. The network namespace has no interface up, so no
   socket (Python's or C's: OpenCV's HTTP reader) reaches anything, not even the
   loopback; the IPC namespace keeps System V IPC from other sandboxes. Layers
   ``"mountns"``, ``"pidns"``, ``"proc"`` (``/proc`` shows the run alone, or is absent
   where no PID namespace could be made), ``"netns"``, ``"ipcns"`` in
   :attr:`SandboxResult.layers`. They cost about 12 ms per run
   (``benchmarks/bench_sandbox.py``).
5. **Identity.** As root the runner then becomes ``nobody`` (uid/gid 65534, no
   supplementary groups) before any student code runs, and in every case sets
   ``RLIMIT_NPROC`` to 0: no new process or thread can start (``nobody`` already has
   one) (``"nobody"``, ``"nproc"``). The drop happens in the runner after its imports,
   not in ``preexec_fn``: ``execve`` fails after a uid change with ``RLIMIT_NPROC = 0``.
   NumPy's BLAS is told to use one thread and OpenCV ``setNumThreads(1)``, so neither
   needs a thread.
6. **Reaping.** The grader is made a child subreaper; after each run every
   descendant carrying the sandbox's mark (uid ``nobody``, or ``CONVKIT_SANDBOX=1``
   in its environment) that is not a running sandbox (or a running sandbox's first
   child, PID 1 of its namespace) is killed and reaped
   (:mod:`convkit.grading.reaper`).
7. **Wire format** (:mod:`convkit.grading.wire`, shared with the runner). Inputs go to
   the runner as ``.npy`` records and tagged JSON; results come back the same way,
   records read with ``np.load(allow_pickle=False)`` after their header was checked,
   accepted only when ``type(x) is np.ndarray`` with a numeric or boolean dtype.
   Nothing is unpickled or evaluated. The result files
   are named with a random token the student's code never sees, and a run without
   them (``os._exit``, a crash) is reported as ``"crashed"``.

**What holds without root** (or where the kernel refuses namespaces, e.g. a container
without ``CAP_SYS_ADMIN``): layers 1-3, 6 and 7 and ``RLIMIT_NPROC``. The student's code
then runs with the grader's uid and file permissions and sees the machine's file system,
``/proc`` and network: the audit hook alone refuses Python's file, socket and process
access, but C code in an allowed library is not stopped: with ``cv2`` allowed, OpenCV can
read any file the grader can (other students' hand-ins, the output folder, the grader's
``/proc/<pid>/cmdline`` and ``environ``), write in ``/tmp`` and open network connections.
Grade as root (a container or VM of its own is enough) to close that; the missing layers
are visible in :attr:`SandboxResult.layers`, and the grading context should never put the
salt on a command line. As root without namespaces, ``nobody`` cannot read the grader's
files, but ``/proc/<pid>/cmdline`` of every process stays world-readable.

The course, the submissions and the output folder are not guessed: the caller names them
(``hidden_folders``, from the grading context); the ``convkit`` package is always hidden.
Each sandbox folder is created under a random name in a folder nobody can list, so
concurrent sandboxes (which share uid ``nobody``) cannot find each other. A run costs one
process start and a NumPy import: about 0.1 s of CPU (``benchmarks/bench_sandbox.py``).
POSIX only (the limits need :mod:`resource`).
"""

from __future__ import annotations

import ast
import json
import math
import os
import re
import secrets
import select
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from convkit.grading import reaper, wire
from convkit.grading.context import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, MIN_MEMORY_MB

__all__ = [
    "DEFAULT_FORBID",
    "CaseResult",
    "SandboxResult",
    "run_in_sandbox",
    "transform_ipython",
]

DEFAULT_FORBID: tuple[str, ...] = ("scipy", "cv2", "convkit", "skimage", "torch", "PIL", "imageio")
#: never importable nor readable by answer code, whatever ``forbid`` says: the references
ALWAYS_HIDDEN_PACKAGE = Path(__file__).resolve().parent.parent

RUNNER = Path(__file__).resolve().with_name("_runner.py")
NOBODY = 65534
MARKER = "CONVKIT_SANDBOX=1"
FOLDER_PREFIX = "convkit-sandbox-"
FILE_SIZE_LIMIT = 16 * 2**20  # bytes, per file the sandbox writes (results, stdout)
ARRAY_BUDGET = 12 * 2**20  # bytes of returned arrays, over all cases
INPUT_DEPTH = 20  # how deeply a case's arguments may nest
OPEN_FILES_LIMIT = 64
OUTPUT_LIMIT = 4096  # characters of stdout and of stderr kept per call
STDERR_TAIL = 1500  # characters of the process's stderr quoted when it crashed

_registry_lock = threading.Lock()
_running: set[int] = set()


@dataclass
class CaseResult:
    """What one call of the student's function did.

    Attributes
    ----------
    status : {"ok", "error"}
        ``"ok"``: it returned ``value``; ``"error"``: it raised (``error`` says what).
    value : Any
        The decoded return value: an exact ``np.ndarray``, ``int``, ``float``,
        ``complex``, ``bool``, ``str``, ``None``, ``tuple``, ``list``, ``set``,
        ``frozenset`` or ``dict`` of those (NumPy scalars become Python scalars), or
        :class:`convkit.checks.Unserializable` for anything else.
    error : str or None
        ``"IndexError: index 5 is out of bounds ..."`` and the answer-cell frames of
        the traceback.
    inputs_modified : bool
        Whether the call changed an argument in place.
    stdout, stderr : str
        What the call printed (at most a few thousand characters each).
    """

    status: Literal["ok", "error"]
    value: Any = None
    error: str | None = None
    inputs_modified: bool = False
    stdout: str = ""
    stderr: str = ""


@dataclass
class SandboxResult:
    """The outcome of one sandboxed run.

    Attributes
    ----------
    status : str
        ``"ok"`` (every case ran; see :attr:`cases`), ``"timeout"``, ``"crashed"``,
        ``"memory"``, ``"blocked"`` (a refused action, listed in :attr:`violations`),
        ``"missing"`` (the name was never defined) or ``"cell_error"`` (an answer cell
        raised and the name was never defined).
    message : str
        For the student: what happened (empty when ``status == "ok"``).
    cases : list of CaseResult
        One per case whenever the process finished (also with ``"memory"`` and
        ``"blocked"``), else empty.
    violations : list of str
        Every refused action, e.g. ``"import of scipy.signal"``.
    cell_errors : list of str
        Exceptions raised while running the answer cells (the run went on).
    seconds : float
        Wall-clock time of the run.
    layers : tuple of str
        The protections that were in force: ``"hook"`` and ``"nproc"`` always; as root
        ``"nobody"`` and, where the kernel allows them, ``"mountns"`` (a root holding only
        the interpreter, the packages and the run's folder), ``"pidns"``, ``"proc"``
        (``/proc`` shows the run alone, or none), ``"netns"`` (no network) and ``"ipcns"``. Empty
        when the process did not report (timeout, crash).
    """

    status: Literal["ok", "timeout", "crashed", "memory", "blocked", "missing", "cell_error"]
    message: str
    cases: list[CaseResult] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    cell_errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    layers: tuple[str, ...] = ()


_Garbled = wire.WireError  # the sandbox's results do not follow the wire format


def transform_ipython(source: str) -> str:
    """Turn IPython syntax (magics, ``!shell``, ``obj?``) into plain Python.

    Magics become ``get_ipython()`` calls, which the sandbox's stand-in ignores.
    Plain Python comes back unchanged (up to a final newline).

    Parameters
    ----------
    source : str
        The text of one code cell.

    Returns
    -------
    str
        Python source.

    Examples
    --------
    >>> transform_ipython("%matplotlib inline\\nx = 1\\n")
    "get_ipython().run_line_magic('matplotlib', 'inline')\\nx = 1\\n"
    >>> transform_ipython("x = 1\\n")
    'x = 1\\n'
    """
    if not isinstance(source, str):
        raise TypeError(f"source must be a str; got {type(source).__name__}")
    if not re.search(r"(?m)^\s*[%!]|\?\s*$|^\s*>>>", source):
        return source
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - unparsable input: the sandbox reports the SyntaxError
        return source


def run_in_sandbox(
    sources: Sequence[str],
    name: str,
    cases: Sequence[Any],
    *,
    kind: str = "function",
    allowed_modules: Sequence[str] = (),
    forbid: Sequence[str] = DEFAULT_FORBID,
    given_source: str = "",
    timeout: float = DEFAULT_TIMEOUT,
    memory_mb: int = DEFAULT_MEMORY_MB,
    hidden_folders: Sequence[str | os.PathLike] = (),
    scratch_cells: int = 0,
    _hook: bool = True,
    _namespaces: bool = True,
) -> SandboxResult:
    """Run answer cells in a fresh, locked-down process and call ``name`` on each case.

    Parameters
    ----------
    sources : sequence of str
        The student's code cells, in notebook order (plain Python: see
        :func:`transform_ipython`). They run in one namespace that already holds
        ``np`` (NumPy), the allowed modules and what ``given_source`` defines; a cell
        that raises is recorded in :attr:`SandboxResult.cell_errors` and the run goes on.
    name : str
        The function (``kind="function"``) or variable (``kind="value"``) graded.
    cases : sequence of convkit.checks.Case
        Objects with an ``args`` tuple of plain data (arrays, numbers, strings,
        tuples, lists, dicts). Each call gets fresh copies.
    kind : {"function", "value"}
        Call ``name(*case.args)`` per case, or return the variable's value (once per
        case, or once when there are no cases).
    allowed_modules : sequence of str
        Modules imported before the lockdown and allowed although in ``forbid``
        (never ``convkit``).
    forbid : sequence of str
        Top-level modules the student's code may not import (``convkit`` always is).
    given_source : str
        Python source defining exactly what the lesson gives the student for this
        exercise (empty for most). The runner executes it in its own globals (``np``
        only) before the student's cells and defines its public names in the student's
        namespace, again after the cells (the given versions win over a redefinition);
        it keeps no copy of the text. It may not define ``name``.
    timeout : float
        Wall-clock seconds for the whole run (start, cells and all cases).
    memory_mb : int
        Address-space limit of the process, in MB (at least
        :data:`convkit.grading.context.MIN_MEMORY_MB`).
    scratch_cells : int
        How many of ``sources`` (the first ones) are code cells the student added rather
        than answer cells. A forbidden import in one of those is not a violation: the cell
        stops there (recorded in :attr:`SandboxResult.cell_errors`) and an answer that
        relies on the missing name fails on its own. Anything else refused there still is.
    hidden_folders : sequence of path
        Folders the student's process must never see (the grading context's
        :attr:`~convkit.grading.context.GradingContext.hidden_folders`: the course,
        the submissions, the output folder...). The ``convkit`` package is always
        hidden as well.

    Returns
    -------
    SandboxResult

    Raises
    ------
    TypeError, ValueError
        For arguments of the wrong type or value (the argument is named).

    Examples
    --------
    >>> from types import SimpleNamespace as Case
    >>> result = run_in_sandbox(["def double(x):\\n    return 2 * x\\n"], "double",
    ...                         [Case(label="one", args=(np.arange(3),))], timeout=5)
    >>> result.status, result.cases[0].value
    ('ok', array([0, 2, 4]))
    """
    if (isinstance(scratch_cells, bool) or not isinstance(scratch_cells, int)
            or not 0 <= scratch_cells <= len(sources)):
        raise ValueError(f"scratch_cells must be an int from 0 to len(sources); "
                         f"got {scratch_cells!r}")
    job, arrays = _make_job(sources, name, cases, kind, allowed_modules, forbid, given_source,
                            timeout, memory_mb, hidden_folders, _hook, _namespaces)
    job["scratch_cells"] = scratch_cells
    reaper.enable_subreaper()
    _sweep_stale_folders()
    # the sandbox folder lives, under a random name, in a folder others may cross but not
    # list: a sandbox cannot find a concurrent sandbox's folder (they share uid nobody)
    outer = tempfile.mkdtemp(prefix=f"{FOLDER_PREFIX}{os.getpid()}-")
    try:
        os.chmod(outer, 0o711)
        workdir = os.path.join(os.path.realpath(outer), secrets.token_hex(12))
        os.mkdir(workdir, 0o700)
        _write_inputs(workdir, job, arrays)
        return _execute(workdir, job, timeout, memory_mb, kind, name)
    finally:
        shutil.rmtree(outer, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# the job
# --------------------------------------------------------------------------------------------


def _make_job(sources, name, cases, kind, allowed_modules, forbid, given_source, timeout,
              memory_mb, hidden_folders, hook, namespaces) -> tuple[dict, list[np.ndarray]]:
    if isinstance(sources, str) or not isinstance(sources, Sequence):
        raise TypeError(f"sources must be a sequence of str; got {type(sources).__name__}")
    for index, source in enumerate(sources):
        if not isinstance(source, str):
            raise TypeError(f"sources[{index}] must be a str; got {type(source).__name__}")
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be a Python identifier; got {name!r}")
    if kind not in ("function", "value"):
        raise ValueError(f"kind must be 'function' or 'value'; got {kind!r}")
    allowed = _module_names(allowed_modules, "allowed_modules")
    if any(module.partition(".")[0] == "convkit" for module in allowed):
        raise ValueError(f"allowed_modules may not hold convkit (the references); got {allowed}")
    forbidden = tuple(dict.fromkeys((*_module_names(forbid, "forbid"), "convkit")))
    _check_given_source(given_source, name)
    hidden = _hidden_folders(hidden_folders)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not (
            math.isfinite(timeout) and timeout > 0):
        raise ValueError(f"timeout must be a positive number of seconds; got {timeout!r}")
    if isinstance(memory_mb, bool) or not isinstance(memory_mb, int) or memory_mb < MIN_MEMORY_MB:
        raise ValueError(f"memory_mb must be an int of at least {MIN_MEMORY_MB}; got {memory_mb!r}")
    if isinstance(cases, str) or not isinstance(cases, Sequence):
        raise TypeError(f"cases must be a sequence of Case; got {type(cases).__name__}")
    encode, arrays = wire.encoder(np, strict=True, max_depth=INPUT_DEPTH)
    specs = []
    for index, case in enumerate(cases):
        args = getattr(case, "args", None)
        if not isinstance(args, tuple):
            raise TypeError(f"cases[{index}].args must be a tuple; got {type(args).__name__}")
        specs.append([encode(arg, f"cases[{index}].args[{position}]")
                      for position, arg in enumerate(args)])
    root = os.geteuid() == 0 if hasattr(os, "geteuid") else False
    job = {
        "token": secrets.token_hex(16),
        "name": name,
        "kind": kind,
        "sources": list(sources),
        "given_source": given_source,
        "allowed_modules": list(allowed),
        "forbid": list(forbidden),
        "cases": specs,
        "n_inputs": len(arrays),
        "protected": hidden,
        "drop_identity": root,
        "namespaces": bool(namespaces) and root,
        "hook": bool(hook),
        "grader_pid": os.getpid(),
        "output_limit": OUTPUT_LIMIT,
        "array_budget": ARRAY_BUDGET,
        "limits": {
            "RLIMIT_CPU": math.ceil(timeout) + 1,
            "RLIMIT_AS": memory_mb * 2**20,
            "RLIMIT_FSIZE": FILE_SIZE_LIMIT,
            "RLIMIT_NOFILE": OPEN_FILES_LIMIT,
            "RLIMIT_CORE": 0,
        },
    }
    return job, arrays


def _module_names(names: Sequence[str], argument: str) -> tuple[str, ...]:
    if isinstance(names, str) or not isinstance(names, Sequence):
        raise TypeError(f"{argument} must be a sequence of module names; got {names!r}")
    for item in names:
        if not isinstance(item, str) or not all(p.isidentifier() for p in item.split(".")):
            raise ValueError(f"{argument} must hold module names; got {item!r}")
    return tuple(names)


def _check_given_source(given_source: Any, name: str) -> None:
    """``given_source`` must be Python that does not define the graded ``name``."""
    if not isinstance(given_source, str):
        raise TypeError(f"given_source must be a str; got {type(given_source).__name__}")
    try:
        tree = ast.parse(given_source, "<given_source>")
    except (SyntaxError, ValueError) as error:
        raise ValueError(f"given_source must be valid Python: {error}") from None
    defined = set()
    todo: list[ast.AST] = list(tree.body)
    while todo:  # the names bound at the top level (also inside if/try/with/for blocks)
        node = todo.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            defined.add(node.name)
            continue
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt | ast.excepthandler):
                todo.append(child)
            else:
                defined.update(sub.id for sub in ast.walk(child)
                               if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store))
                defined.update((sub.asname or sub.name).partition(".")[0]
                               for sub in ast.walk(child) if isinstance(sub, ast.alias))
        if isinstance(node, ast.Import | ast.ImportFrom):
            defined.update((alias.asname or alias.name).partition(".")[0] for alias in node.names)
    if name in defined:
        raise ValueError(f"given_source may not define the graded name {name!r}")


def _hidden_folders(folders: Any) -> list[str]:
    """The folders to hide, absolute and resolved, always with the convkit package."""
    if isinstance(folders, str | bytes | os.PathLike) or not isinstance(folders, Sequence):
        raise TypeError(f"hidden_folders must be a sequence of paths; got {folders!r}")
    hidden = {str(ALWAYS_HIDDEN_PACKAGE)}
    for index, folder in enumerate(folders):
        if not isinstance(folder, str | os.PathLike) or not os.fspath(folder):
            raise TypeError(f"hidden_folders[{index}] must be a non-empty path; got {folder!r}")
        if not os.path.isabs(os.fspath(folder)):
            raise ValueError(f"hidden_folders[{index}] must be absolute; got {folder!r}")
        hidden.add(os.path.realpath(os.fspath(folder)))
    return sorted(hidden)


def _write_inputs(workdir: str, job: dict, arrays: list[np.ndarray]) -> None:
    with open(os.path.join(workdir, "inputs.npys"), "wb") as handle:
        for array in arrays:
            np.save(handle, array, allow_pickle=False)
    with open(os.path.join(workdir, "job.json"), "w", encoding="utf-8") as handle:
        json.dump(job, handle)
    for entry in ("inputs.npys", "job.json"):
        os.chmod(os.path.join(workdir, entry), 0o644)
    if job["drop_identity"]:
        os.chown(workdir, NOBODY, NOBODY)


def _environment(workdir: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": workdir,
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
    }
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # some machines need these
        if name in os.environ:
            env[name] = os.environ[name]
    key, _, value = MARKER.partition("=")
    env[key] = value
    return env


def _sweep_stale_folders() -> None:
    """Remove sandbox folders left by a grader that was killed (its pid is in the name)."""
    root = tempfile.gettempdir()
    try:
        names = [name for name in os.listdir(root) if name.startswith(FOLDER_PREFIX)]
    except OSError:
        return
    for name in names:
        pid_text = name[len(FOLDER_PREFIX):].partition("-")[0]
        if not pid_text.isdigit() or int(pid_text) == os.getpid():
            continue
        try:
            os.kill(int(pid_text), 0)
            continue  # its grader is alive
        except ProcessLookupError:
            pass
        except PermissionError:
            continue
        shutil.rmtree(os.path.join(root, name), ignore_errors=True)


# --------------------------------------------------------------------------------------------
# the run
# --------------------------------------------------------------------------------------------


def _execute(workdir: str, job: dict, timeout: float, memory_mb: int, kind: str,
             name: str) -> SandboxResult:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        with _registry_lock:
            process = subprocess.Popen(
                [sys.executable, "-I", "-B", str(RUNNER), workdir],
                stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=workdir,
                env=_environment(workdir), start_new_session=True, close_fds=True,
            )
            _running.add(process.pid)
        try:
            finished = _wait_unreaped(process, timeout)
        finally:
            # the group dies with its leader still a zombie, so its id cannot be reused yet
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            process.wait()
            seconds = time.monotonic() - started
            with _registry_lock:
                _running.discard(process.pid)
                known = set(_running)
                reaper.kill_strays(known, spare_children_of=known,
                                   uid=NOBODY if job["drop_identity"] else None,
                                   environ_marker=MARKER)
        stderr_tail = _tail(err)
    if not finished:
        return SandboxResult("timeout", f"your code ran for more than {timeout:g} s and was "
                             "stopped (an infinite loop?)", seconds=seconds)
    try:
        results = _read_results(workdir, job["token"])
    except _Garbled as problem:
        return SandboxResult("crashed", f"the grading process's results were unreadable "
                             f"({problem}): did your code tamper with them?", seconds=seconds)
    if results is None:
        return _crashed(process.returncode, stderr_tail, timeout, memory_mb, seconds)
    return _summarise(results, kind, name, memory_mb, seconds, job["forbid"])


def _wait_unreaped(process: subprocess.Popen, timeout: float) -> bool:
    """Wait until the runner exits or ``timeout`` passes, leaving it unreaped (a zombie).

    While its leader is a zombie, the process group's id cannot be reused, so killing
    the group afterwards cannot hit a stranger. Linux: a pidfd; other POSIX systems with
    ``waitid``: ``WNOWAIT`` polling; else ``Popen.wait`` (which reaps).
    """
    pid = process.pid
    deadline = time.monotonic() + timeout
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = None
    if pidfd is not None:
        try:
            poller = select.poll()
            poller.register(pidfd, select.POLLIN)
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                if poller.poll(left * 1000):
                    return True
        finally:
            os.close(pidfd)
    if not hasattr(os, "waitid"):
        try:
            process.wait(timeout)
            return True
        except subprocess.TimeoutExpired:
            return False
    while True:  # no pidfd: poll without reaping
        try:
            if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                return True
        except ChildProcessError:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.005)


def _tail(handle) -> str:
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    handle.seek(max(0, size - 4 * STDERR_TAIL))
    text = handle.read().decode("utf-8", "replace")
    return text[-STDERR_TAIL:].strip()


def _crashed(returncode: int, stderr: str, timeout: float, memory_mb: int,
             seconds: float) -> SandboxResult:
    if returncode < 0:
        number = -returncode
        try:
            what = f"signal {signal.Signals(number).name}"
        except ValueError:
            what = f"signal {number}"
        if number == signal.SIGXCPU or (number == signal.SIGKILL and seconds >= timeout):
            return SandboxResult("timeout", f"your code used more than {timeout:g} s of CPU time "
                                 "and was stopped (an infinite loop?)", seconds=seconds)
    else:
        what = f"exit code {returncode}"
    if re.search(r"MemoryError|std::bad_alloc|Insufficient memory|Cannot allocate memory", stderr):
        return SandboxResult("memory", f"your code needed more memory than the {memory_mb} MB "
                             "allowed while grading and was stopped (a huge array?)",
                             seconds=seconds)
    message = (f"your code stopped the grading process before it could report ({what}): "
               "did it call os._exit(), or crash Python?")
    if stderr:
        message += "\nThe end of what it printed to stderr:\n" + stderr
    return SandboxResult("crashed", message, seconds=seconds)


def _open_result(path: str) -> tuple[int, int] | None:
    """An fd and size for a regular file written by the runner; None when it is missing."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise _Garbled(f"cannot open {os.path.basename(path)}: {error.strerror}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_size > 2 * FILE_SIZE_LIMIT:
        os.close(fd)
        raise _Garbled(f"{os.path.basename(path)} is not a regular file of a sane size")
    return fd, info.st_size


def _read_results(workdir: str, token: str) -> dict | None:
    opened = _open_result(os.path.join(workdir, f"results-{token}.json"))
    if opened is None:
        return None
    fd, size = opened
    if size == 0:  # made empty for the runner (a private root) and never written: no results
        os.close(fd)
        return None
    with os.fdopen(fd, "rb") as handle:
        results = wire.loads(handle.read())
    n_arrays = results.get("n_arrays", 0)
    if not isinstance(n_arrays, int) or isinstance(n_arrays, bool) or n_arrays < 0:
        raise _Garbled("bad n_arrays")
    arrays: list[np.ndarray] = []
    if n_arrays:
        opened = _open_result(os.path.join(workdir, f"arrays-{token}.npys"))
        if opened is None:
            raise _Garbled("the arrays file is missing")
        with os.fdopen(opened[0], "rb") as handle:
            arrays = wire.read_arrays(np)(handle, n_arrays, max_bytes=opened[1])
    results["arrays"] = arrays
    return results


# --------------------------------------------------------------------------------------------
# from the runner's results to a SandboxResult
# --------------------------------------------------------------------------------------------


def _summarise(results: dict, kind: str, name: str, memory_mb: int, seconds: float,
               forbid: Sequence[str]) -> SandboxResult:
    try:
        return _summarise_checked(results, kind, name, memory_mb, seconds, forbid)
    except (_Garbled, KeyError, TypeError, ValueError, IndexError, RecursionError) as error:
        detail = error.args[0] if isinstance(error, _Garbled) else type(error).__name__
        return SandboxResult("crashed", "the grading process returned unreadable results "
                             f"({detail})", seconds=seconds)


def _summarise_checked(results, kind, name, memory_mb, seconds, forbid) -> SandboxResult:
    if "fatal" in results:
        fatal = _text(results["fatal"])
        if fatal.startswith("MemoryError"):
            return SandboxResult("memory", f"the grader could not start your code within the "
                                 f"{memory_mb} MB memory limit ({fatal})", seconds=seconds)
        return SandboxResult("crashed", f"the grader could not run your code: {fatal}",
                             seconds=seconds)
    violations = [_text(v) for v in _list(results["violations"])]
    cell_errors = [_text(e) for e in _list(results["cell_errors"])]
    arrays = results["arrays"]
    cases = [_case(entry, arrays) for entry in _list(results["cases"])]
    memory = [entry for entry in _list(results["cases"]) if entry.get("memory") is True]
    layers = tuple(_text(layer) for layer in _list(results.get("layers", [])))
    base = {"cases": cases, "violations": violations, "cell_errors": cell_errors,
            "seconds": seconds, "layers": layers}
    memory_errors = [cases[_list(results["cases"]).index(entry)].error or "MemoryError"
                     for entry in memory]
    memory_errors += [error for error in cell_errors if error.startswith("MemoryError")]
    if memory_errors:
        return SandboxResult("memory", f"your code needed more memory than the {memory_mb} MB "
                             f"allowed while grading ({memory_errors[0].splitlines()[0]})",
                             **base)
    if violations:
        return SandboxResult("blocked", _blocked_message(violations[0], forbid), **base)
    if results["missing"] is True:
        what = "function" if kind == "function" else "variable"
        if cell_errors:
            first = cell_errors[0].splitlines()[0]
            return SandboxResult("cell_error", f"your answer cell raised {first}, so no {what} "
                                 f"named {name} was defined", **base)
        return SandboxResult("missing", f"no {what} named {name} was defined by your answer "
                             "cell", **base)
    return SandboxResult("ok", "", **base)


def _blocked_message(violation: str, forbid: Sequence[str]) -> str:
    if violation.startswith("import of "):
        module = violation[len("import of "):]
        if module.partition(".")[0] in forbid:
            return (f"your answer tried to import {module}, which this exercise does not allow: "
                    "write it with NumPy")
        return f"your answer tried to import {module}, which is not allowed while grading"
    return f"your answer tried something that is not allowed while grading: {violation}"


def _list(value: Any) -> list:
    if not isinstance(value, list):
        raise _Garbled("expected a list")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise _Garbled("expected a string")
    return value


def _case(entry: Any, arrays: list[np.ndarray]) -> CaseResult:
    if not isinstance(entry, dict) or entry.get("status") not in ("ok", "error"):
        raise _Garbled("bad case entry")
    error = entry.get("error")
    if error is not None:
        error = _text(error)
    modified = entry.get("inputs_modified")
    if not isinstance(modified, bool):
        raise _Garbled("bad inputs_modified")
    decode = wire.decoder(np, arrays, unserializable=_unserializable_type())
    value = decode(entry.get("value")) if entry["status"] == "ok" else None
    return CaseResult(entry["status"], value, error, modified, _text(entry.get("stdout", "")),
                      _text(entry.get("stderr", "")))


def _unserializable_type() -> type:
    """The checking engine's stand-in for a value that could not be sent back."""
    from convkit.checking.types import Unserializable

    return Unserializable
