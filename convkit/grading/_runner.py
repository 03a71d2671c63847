"""The inside of the grader's sandbox: run a student's answer cells in this fresh process.

:func:`convkit.grading.sandbox.run_in_sandbox` starts this file as
``python -I -B _runner.py WORKDIR`` in a new session, with a minimal environment,
and kills its process group when it is done. Standard library and NumPy only: this
file never imports ``convkit``, which the code it runs may not read.

What happens, in order (nothing the student wrote runs before step 6):

1. read ``WORKDIR/job.json`` (the grader's instructions), delete it, set the
   resource limits (CPU seconds, address space, file size, open files, no core);
   as root, enter new mount, network, IPC and PID namespaces and fork once: the child
   (PID 1 of its namespace) goes on, the parent only waits and passes on how it ended;
2. import NumPy, the exercise's allowed modules (``cv2`` with one thread) and the
   standard-library modules answer code commonly imports;
3. read the input arrays (``inputs.npys``: ``.npy`` records back to back, read with
   ``allow_pickle=False``) and define what the lesson gives the student for this
   exercise (the job's ``given_source``, executed in its own globals and then
   dropped: this file holds no reference implementation of anything);
4. as root: replace the root with one that holds only the standard library, the
   imported packages, the loaded C libraries' folders, the workdir, four devices and a
   ``/proc`` of the run's own PID namespace (:func:`_private_root`), then become
   ``nobody`` (uid/gid 65534, no groups); in any case ``RLIMIT_NPROC = 0``, so no
   process or thread can start;
5. install an audit hook (``sys.addaudithook``; it cannot be removed) whose policy
   lives only in its closure, in immutable objects, and which uses only functions
   captured here (never a module attribute the student could replace);
6. run each answer cell in one namespace (a cell that raises is recorded, the run
   goes on), then call the graded function on fresh copies of every case's
   arguments, capturing what it prints and whether it changed its inputs;
7. write ``results-<token>.json`` and ``arrays-<token>.npys`` (names the student
   cannot guess, created with ``O_EXCL | O_NOFOLLOW``) and leave with ``os._exit``
   (no ``atexit`` handler or finaliser of the student's runs after that).

Threat model. The student's code runs in this process, so it can reach this
module's globals and, through a signal handler's ``frame`` argument, this runner's
frames: it could then hide that its inputs were modified or that a blocked action
was attempted, or write results of its choosing. None of that gains a point: the
grader compares every returned value with the reference in its own process, and
values that the function could not compute it cannot forge either. What the student
must never get is a capability: reading the solutions, the reference code or other
students' files, a forbidden library, a process, a socket, or the grader's memory.
Those are refused by the hook (whose policy it cannot reach: frames, ``gc`` and
``__code__`` surgery are refused) and, underneath it, by the operating system
(``nobody``, ``RLIMIT_NPROC = 0``, the limits, the killed process group).

Wire format: :mod:`convkit.grading.wire` (``wire.py`` beside this file, loaded by path
before anything else): the job's cases as tagged JSON and ``.npy`` records, the results
likewise. Nothing is pickled or evaluated.
"""

import os
import sys
from typing import NoReturn

#: stdlib modules imported before the identity drop, so that answer code can import
#: them even when the interpreter's folder is not readable by ``nobody``
PRELOAD = (
    "math", "cmath", "random", "statistics", "fractions", "decimal", "functools",
    "itertools", "collections", "collections.abc", "operator", "copy", "typing",
    "dataclasses", "heapq", "bisect", "array", "struct", "time", "warnings", "re",
    "string", "textwrap", "numbers", "enum", "contextlib", "traceback", "linecache",
    "json", "io", "types", "abc", "signal", "logging", "pprint", "datetime", "numpy.random",
    "numpy.fft", "numpy.linalg", "numpy.polynomial", "numpy.ma", "numpy.lib.stride_tricks",
    "numpy.testing",  # imports subprocess lazily; the hook still refuses starting a process
)

#: modules answer code may never import (whatever the exercise allows): they start
#: processes or threads of the OS, open sockets, call C, or open files behind the hook
ALWAYS_FORBIDDEN = frozenset({
    "ctypes", "_ctypes", "_posixsubprocess", "subprocess", "multiprocessing",
    "_multiprocessing", "concurrent", "socket", "_socket", "ssl", "_ssl", "select",
    "selectors", "asyncio", "_asyncio", "pty", "tty", "termios", "fcntl", "mmap",
    "sqlite3", "_sqlite3", "dbm", "_dbm", "_gdbm", "_xxsubinterpreters",
    "_xxinterpchannels", "_testcapi", "_testinternalcapi", "_testbuffer",
    "_testmultiphase", "_testimportmultiple", "resource", "_tkinter", "tkinter",
    "webbrowser", "urllib", "http", "ftplib", "smtplib", "poplib", "imaplib",
    "nntplib", "telnetlib", "xmlrpc", "socketserver", "pdb", "bdb",
})

#: imported as harmless stand-ins: plotting or display code in an answer cell does nothing
STUB_MODULES = frozenset({"matplotlib", "IPython", "ipywidgets", "tqdm"})

#: events refused outright (the action, in words)
DENY_EVENTS = {
    "os.system": "starting a shell (os.system)",
    "os.exec": "replacing the process (os.exec*)",
    "os.spawn": "starting a process (os.spawn*)",
    "os.posix_spawn": "starting a process (os.posix_spawn)",
    "os.fork": "starting a process (os.fork)",
    "os.forkpty": "starting a process (os.forkpty)",
    "subprocess.Popen": "starting a process (subprocess)",
    "_posixsubprocess.fork_exec": "starting a process (_posixsubprocess)",
    "pty.spawn": "starting a process (pty.spawn)",
    "os.startfile": "starting a program (os.startfile)",
    "webbrowser.open": "opening a web browser",
    "os.symlink": "creating a symbolic link",
    "os.link": "creating a hard link",
    "sys._current_frames": "inspecting frames (sys._current_frames)",
    "sys._current_exceptions": "inspecting frames (sys._current_exceptions)",
    "sys.settrace": "tracing (sys.settrace)",
    "sys.setprofile": "profiling (sys.setprofile)",
    "sys.monitoring.register_callback": "tracing (sys.monitoring)",
    "gc.get_objects": "walking the garbage collector (gc.get_objects)",
    "gc.get_referrers": "walking the garbage collector (gc.get_referrers)",
    "gc.get_referents": "walking the garbage collector (gc.get_referents)",
    "cpython.PyInterpreterState_New": "starting a sub-interpreter",
    "resource.setrlimit": "changing resource limits",
    "resource.prlimit": "changing resource limits",
    "fcntl.ioctl": "ioctl on a file descriptor",
    "fcntl.fcntl": "fcntl on a file descriptor",
    "fcntl.flock": "locking a file",
    "fcntl.lockf": "locking a file",
    "os.lockf": "locking a file",
    "mmap.__new__": "memory-mapping a file",
    "signal.pthread_kill": "signalling a thread",
    "code.__new__": "building a code object by hand",
    "marshal.loads": "loading marshalled code",
    "marshal.load": "loading marshalled code",
}

#: event-name prefixes refused outright
DENY_PREFIXES = (
    ("socket.", "network access (socket)"),
    ("ctypes.", "calling C code (ctypes)"),
    ("sqlite3.", "opening a database (sqlite3)"),
    ("syslog.", "writing to the system log"),
    ("http.client.", "network access (http)"),
    ("urllib.", "network access (urllib)"),
    ("ftplib.", "network access (ftplib)"),
    ("smtplib.", "network access (smtplib)"),
    ("poplib.", "network access (poplib)"),
    ("imaplib.", "network access (imaplib)"),
    ("nntplib.", "network access (nntplib)"),
    ("telnetlib.", "network access (telnetlib)"),
    ("ensurepip.", "installing packages"),
    ("shutil.", None),  # None: allowed when every path argument is inside the workdir
)

#: events that change files: allowed only inside the workdir (argument positions of paths)
PATH_EVENTS = {
    "os.remove": (0,), "os.rmdir": (0,), "os.mkdir": (0,), "os.rename": (0, 1),
    "os.chmod": (0,), "os.chown": (0,), "os.utime": (0,), "os.truncate": (0,),
    "os.chdir": (0,), "os.setxattr": (0,), "os.removexattr": (0,),
}

#: events that read folders or metadata: allowed where reading is
READ_EVENTS = {"os.listdir": 0, "os.scandir": 0, "os.getxattr": 0, "os.listxattr": 0}

#: attributes that hand out frames (whose f_back leads to the runner's own frames)
FRAME_ATTRIBUTES = frozenset({"tb_frame", "gi_frame", "cr_frame", "ag_frame"})

#: how the call site looks in tracebacks (compiled from this string, not this file)
CALL_SOURCE = """\
def call(function, arguments):
    try:
        return True, function(*arguments)
    except BaseException as error:
        return False, error
"""

NOBODY = 65534
MAX_VIOLATIONS = 50
MAX_MESSAGE = 600
MAX_FRAMES = 6


def main() -> None:
    """Run the job in ``sys.argv[1]`` and exit (see the module docstring)."""
    import json

    leave = os._exit  # captured now: answer code may replace os._exit, never this local
    # the private root's folders and the outputs are made here and must be reachable by uid
    # nobody whatever umask the grader runs with (027 locked the sandbox out of its own root)
    os.umask(0o022)
    wire = _load_wire()
    workdir = os.path.realpath(sys.argv[1])
    with open(os.path.join(workdir, "job.json"), encoding="utf-8") as handle:
        job = json.load(handle)
    os.unlink(os.path.join(workdir, "job.json"))
    token = job["token"]
    results_path = os.path.join(workdir, f"results-{token}.json")
    arrays_path = os.path.join(workdir, f"arrays-{token}.npys")
    writer = _make_writer(results_path, arrays_path, wire)
    try:
        _set_limits(job["limits"])
        isolation = _isolate(job) if job["namespaces"] else {"layers": []}
        setup = _setup(job, workdir, results_path, arrays_path, isolation, wire)
    except BaseException as error:  # noqa: B036 - report any setup failure to the grader
        writer({"fatal": f"{type(error).__name__}: {error}"[:MAX_MESSAGE]}, [])
        leave(0)
    try:
        results, arrays = _run(job, setup, wire)
    except BaseException as error:  # noqa: B036 - e.g. MemoryError while encoding
        writer({"fatal": f"{type(error).__name__}: {error}"[:MAX_MESSAGE]}, [])
        leave(0)
    writer(results, arrays, setup["save"])
    leave(0)  # no atexit handler, finaliser or patched function of the student runs after


def _load_wire():
    """``wire.py``, the wire format shared with the grader, loaded by path (not via convkit).

    The module is not put in ``sys.modules``; the runner keeps it in locals only.
    """
    import importlib.util

    path = os.path.join(os.path.dirname(os.path.realpath(__file__)), "wire.py")
    spec = importlib.util.spec_from_file_location("_convkit_sandbox_wire", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the wire format from {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _set_limits(limits: dict) -> None:
    """Resource limits, set by the runner itself (``preexec_fn`` is unsafe in a threaded grader)."""
    import resource

    for name, value in limits.items():
        which = getattr(resource, name)
        value = int(value)
        resource.setrlimit(which, (value, value))


def _setup(job: dict, workdir: str, results_path: str, arrays_path: str,
           isolation: dict, wire) -> dict:
    """Steps 2 to 5 of the module docstring; returns what the run needs."""
    import importlib
    import importlib.util
    import linecache
    import resource
    import sysconfig

    before = set(sys.modules)
    import numpy as np

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001, S112 - a missing optional module is not an error
            continue
    # numpy.testing imports subprocess for a few helpers; forget it again, so that answer
    # code importing it is still seen and refused (starting a process is refused anyway)
    for name in ("subprocess", "_posixsubprocess"):
        sys.modules.pop(name, None)
    allowed = tuple(job["allowed_modules"])
    for name in allowed:
        module = importlib.import_module(name)
        if name == "cv2":
            module.setNumThreads(1)  # OpenCV's pool would need threads, which RLIMIT_NPROC stops
            module.ocl.setUseOpenCL(False)

    with open(os.path.join(workdir, "inputs.npys"), "rb") as handle:
        inputs = wire.read_arrays(np)(handle, int(job["n_inputs"]))
    for array in inputs:
        array.flags.writeable = False

    given = _define_given(job, np)
    call_namespace = {"__builtins__": {}, "BaseException": BaseException}
    exec(compile(CALL_SOURCE, "<convkit sandbox>", "exec"), call_namespace)

    forbidden = frozenset(job["forbid"]) - frozenset(allowed)
    rules = _read_rules(workdir, forbidden | ALWAYS_FORBIDDEN, job["protected"], allowed,
                        importlib.util, sysconfig)
    sources = list(job["sources"])
    for index, source in enumerate(sources, start=1):
        lines = source.splitlines(keepends=True)
        linecache.cache[_cell_name(index)] = (len(source), None, lines, _cell_name(index))

    # 4. what we see (a private root: the interpreter, the packages, the workdir) and who we are
    layers = list(isolation["layers"])
    if "mountns" in layers:
        packages = _package_paths(set(sys.modules) - before)
        owner = NOBODY if job["drop_identity"] else os.getuid()
        if not _private_root(workdir, packages, job["protected"], "pidns" in layers,
                             (results_path, arrays_path), owner):
            layers.remove("mountns")
    if "proc" in layers and "mountns" not in layers:  # /proc is then the machine's
        layers.remove("proc")
    if job["drop_identity"] and os.getuid() == 0:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
        if os.getuid() != NOBODY or os.geteuid() != NOBODY:
            raise PermissionError("could not drop to uid nobody")
        layers.append("nobody")
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    layers.append("nproc")
    _die_with_parent(int(job["grader_pid"]), isolation.get("parent_alive"))

    # 5. lock down
    sys.dont_write_bytecode = True
    # no cached bytecode: imports compile from source, so marshal.loads (which can build
    # any code object, even one that corrupts memory) is never needed and can be refused
    sys.implementation.cache_tag = None  # type: ignore[assignment]
    sys.path[:] = [entry for entry in sys.path if entry and _decide(rules, os.path.realpath(entry))]
    posixsubprocess = sys.modules.get("_posixsubprocess")  # forks without an audit event
    if posixsubprocess is not None and hasattr(posixsubprocess, "fork_exec"):
        del posixsubprocess.fork_exec
    for name in list(sys.modules):  # so that importing them again meets the hook
        if name.partition(".")[0] in ALWAYS_FORBIDDEN:
            del sys.modules[name]
    violations: list[str] = []
    stdlib = sysconfig.get_paths()["stdlib"]
    reachable = os.access(stdlib, os.R_OK | os.X_OK)
    sys.meta_path.insert(0, _ImportGate(forbidden | ALWAYS_FORBIDDEN, reachable, job["hook"]))
    if job["hook"]:
        layers.append("hook")
        _install_hook(
            workdir=workdir,
            outputs=frozenset({results_path, arrays_path}),
            rules=rules,
            forbidden=forbidden | ALWAYS_FORBIDDEN,
            violations=violations,
        )
    return {
        "np": np, "save": wire.write_arrays(np), "inputs": inputs, "given": given,
        "call": call_namespace["call"], "sources": sources, "violations": violations,
        "layers": layers,
    }


def _define_given(job: dict, np) -> dict:
    """What the lesson gives the student: the exercise's ``given_source``, run in its own globals.

    The text is taken out of ``job`` (so no copy stays in the job, a frame, a global or a
    file) and compiled without a ``linecache`` entry; only the functions it defines are
    handed on. They are what the lesson's notebook gives the student anyway.
    """
    source = job.pop("given_source", "")
    if not source:
        return {}
    namespace = {"np": np, "__builtins__": __builtins__, "__name__": "given"}
    exec(compile(source, "<given>", "exec"), namespace)
    del source
    return {name: value for name, value in namespace.items()
            if not name.startswith("_") and name != "np"}


def _die_with_parent(grader_pid: int, parent_alive: int | None = None) -> None:
    """Be killed if the grader dies (Linux): an orphaned run that sleeps would never end.

    Set after the change of uid, which clears it; if the parent died before, leave now.
    In a PID namespace the parent is the runner's first process (outside it, so
    ``getppid()`` says 0), which holds the write end of the ``parent_alive`` pipe.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import select
    import signal

    pr_set_pdeathsig = 1
    try:
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):
        return
    if parent_alive is None:
        if os.getppid() != grader_pid:
            os._exit(70)
        return
    poller = select.poll()
    poller.register(parent_alive, select.POLLIN)
    gone = poller.poll(0)
    os.close(parent_alive)
    if gone:
        os._exit(70)


# --------------------------------------------------------------------------------------------
# namespaces (root only): what the process sees of the machine
# --------------------------------------------------------------------------------------------

CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWPID = 0x00020000, 0x08000000, 0x40000000, \
    0x20000000
NAMESPACES = (("mountns", CLONE_NEWNS), ("netns", CLONE_NEWNET), ("ipcns", CLONE_NEWIPC),
              ("pidns", CLONE_NEWPID))
#: ``pivot_root`` has no libc wrapper: its system call number, per machine
PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "arm64": 41, "riscv64": 41, "i686": 217,
              "i386": 217, "armv7l": 218, "ppc64le": 203, "s390x": 217}
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_MOVE = 1, 2, 4, 8, 32, \
    4096, 8192
MS_REC, MS_PRIVATE, MNT_DETACH = 16384, 1 << 18, 2
#: the writable scratch folder of a private root (a tmpfs, in memory)
SCRATCH_SIZE = "64m"


def _libc():
    import ctypes

    return ctypes.CDLL(None, use_errno=True)


def _isolate(job: dict) -> dict:
    """Enter new mount, network, IPC and PID namespaces (root, where the kernel allows it).

    ``unshare(CLONE_NEWPID)`` only puts the *children* of a process in the new PID
    namespace, so this process forks once: the child (PID 1 there) goes on with the
    run; the parent waits for it, passes on how it ended (its exit code, or the signal
    that killed it) and never runs anything else. The parent is killed with the grader
    (``PR_SET_PDEATHSIG``); the child with the parent, and when PID 1 of a namespace
    dies the kernel kills everything else in it. Returns the namespaces entered and,
    in the child, the read end of a pipe that tells whether the parent is alive.
    """
    try:
        libc = _libc()
    except OSError:
        return {"layers": []}
    entered = []
    flags = 0
    for _layer, flag in NAMESPACES:
        flags |= flag
    if libc.unshare(flags) == 0:
        entered = [layer for layer, _flag in NAMESPACES]
    else:  # one at a time: a kernel may refuse one kind and allow the others
        for layer, flag in NAMESPACES:
            if libc.unshare(flag) == 0:
                entered.append(layer)
    if "pidns" not in entered:  # no fork: with a private root, /proc is simply absent
        return {"layers": [*entered, "proc"] if "mountns" in entered else entered}
    _die_with_parent(int(job["grader_pid"]))
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(write_end)
        return {"layers": [*entered, "proc"] if "mountns" in entered else entered,
                "parent_alive": read_end}
    os.close(read_end)
    _relay(child)


def _relay(child: int) -> NoReturn:
    """Wait for ``child`` and end this process the same way (exit code or signal)."""
    import signal

    while True:
        try:
            _pid, status = os.waitpid(child, 0)
            break
        except InterruptedError:
            continue
        except ChildProcessError:
            os._exit(70)
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            signal.signal(number, signal.SIG_DFL)
        except (OSError, ValueError):
            pass
        os.kill(os.getpid(), number)
        os._exit(128 + number)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 70)


def _package_paths(imported: set) -> set:
    """The files and folders the modules in ``imported`` came from, and their C libraries.

    For each module outside the standard library, the top-level entry of the ``sys.path``
    folder it came from (``.../site-packages/numpy``); for each shared library this
    process has mapped (``/proc/self/maps``), its folder (``numpy.libs``, the system's
    ``libc`` folder), so that a C extension imported later finds what it links to.
    """
    import sysconfig

    stdlib = os.path.realpath(sysconfig.get_paths()["stdlib"])
    entries = sorted({os.path.realpath(entry) for entry in sys.path if entry} - {stdlib},
                     key=len, reverse=True)
    real_folder: dict = {}  # resolving each module's file costs; its folder is shared

    def resolve(path):
        folder, name = os.path.split(path)
        if folder not in real_folder:
            real_folder[folder] = os.path.realpath(folder)
        return os.path.join(real_folder[folder], name)

    paths = {stdlib}
    for name in imported:
        module = sys.modules.get(name)
        if module is None:
            continue
        files = list(getattr(module, "__path__", None) or ())
        if getattr(module, "__file__", None):
            files.append(module.__file__)
        for path in files:
            if not isinstance(path, str) or not path.startswith("/"):
                continue
            path = resolve(path)
            if path == stdlib or path.startswith(stdlib + "/"):
                continue
            for entry in entries:
                if path.startswith(entry + "/"):
                    paths.add(os.path.join(entry, path[len(entry) + 1:].split("/")[0]))
                    break
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                fields = line.split(None, 5)
                if len(fields) == 6 and fields[5].startswith("/") and ".so" in fields[5]:
                    paths.add(os.path.dirname(resolve(fields[5].strip())))
    except OSError:
        pass
    outermost: set[str] = set()  # a folder inside a kept one needs no mount of its own
    for path in sorted(paths):
        if not any(path.startswith(kept + "/") for kept in outermost):
            outermost.add(path)
    return outermost


def _private_root(workdir: str, keep: set, hidden: list, own_pids: bool, outputs: tuple,
                  owner: int) -> bool:
    """Make this process's root an empty file system holding only ``keep`` and a scratch folder.

    In the private mount namespace entered by :func:`_isolate`: a ``tmpfs`` gets
    read-only bind mounts of the interpreter's standard library and of the folders in
    ``keep`` (the imported packages, the folders of the loaded C libraries), each at its
    own path; at ``workdir``'s path a small writable ``tmpfs`` (:data:`SCRATCH_SIZE`, in
    memory: what C code writes there never reaches the grader's disk) that holds only
    the two ``outputs``, created empty in the real ``workdir`` and bind-mounted there
    (``owner`` owns them, and the scratch folder); a ``/dev`` with only ``null``,
    ``zero``, ``random`` and ``urandom``, and (``own_pids``: in the run's own PID
    namespace) a fresh ``/proc`` that shows only the run's processes; then it becomes
    ``/`` (``pivot_root``) and the old root is detached. No ``/tmp``, ``/var/tmp``,
    ``/dev/shm``, ``/sys``, ``/etc``, home folders, course, submissions or other
    sandboxes exist there, for Python or for C code. A folder in ``hidden`` inside one
    that is kept (the interpreter's own ``site-packages``...) is covered by an empty,
    read-only ``tmpfs``. Returns False (the process then sees the machine as before)
    when the kernel refuses a step.
    """
    import platform
    import sysconfig

    libc = _libc()

    def mount(source, target, kind, flags, data=None):
        encode = os.fsencode
        if libc.mount(None if source is None else encode(source), encode(target),
                      None if kind is None else encode(kind), flags,
                      None if data is None else encode(data)) != 0:
            raise OSError(f"mount {source} on {target} failed")

    paths = sysconfig.get_paths()
    base_site = os.path.realpath(os.path.join(paths["stdlib"], "site-packages"))
    kept = sorted({os.path.realpath(path) for path in keep if os.path.exists(path)})
    covered = sorted({os.path.realpath(h) for h in hidden}
                     | ({base_site} - set(kept) if os.path.isdir(base_site) else set()))
    stage = os.path.join(workdir, ".root")
    try:
        mount(None, "/", None, MS_REC | MS_PRIVATE)
        os.mkdir(stage, 0o700)
        mount("tmpfs", stage, "tmpfs", MS_NOSUID, "size=1m,mode=0755")

        def inside(path):
            return stage + path

        def bind(path, flags):
            target = inside(path)
            if os.path.isdir(path):
                os.makedirs(target, 0o755, exist_ok=True)
            else:
                os.makedirs(os.path.dirname(target), 0o755, exist_ok=True)
                if not os.path.exists(target):
                    os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o644))
            mount(path, target, None, MS_BIND)
            mount(None, target, None, MS_REMOUNT | MS_BIND | flags)

        for path in kept:
            bind(path, MS_RDONLY | MS_NOSUID | MS_NODEV)
        for path in covered:  # hidden folders inside kept ones
            if any(path == k or path.startswith(k + "/") for k in kept) and os.path.isdir(
                    inside(path)):
                mount("tmpfs", inside(path), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                      "size=4k,mode=0")
        os.makedirs(inside(workdir), 0o755, exist_ok=True)
        mount("tmpfs", inside(workdir), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
              f"size={SCRATCH_SIZE},mode=0700,uid={owner},gid={owner}")
        for path in outputs:  # the results: the only files that reach the grader
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            os.fchown(fd, owner, owner)
            os.close(fd)
            os.close(os.open(inside(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            mount(path, inside(path), None, MS_BIND)
        os.makedirs(inside("/dev"), 0o755, exist_ok=True)
        for device in ("null", "zero", "random", "urandom"):
            bind(f"/dev/{device}", MS_NOSUID | MS_NOEXEC)
        if own_pids:
            os.makedirs(inside("/proc"), 0o555, exist_ok=True)
            try:
                mount("proc", inside("/proc"), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                      "hidepid=invisible,subset=pid")
            except OSError:
                mount("proc", inside("/proc"), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        os.mkdir(inside("/.old"), 0o700)
        number = PIVOT_ROOT.get(platform.machine())
        if number is not None and libc.syscall(number, os.fsencode(stage),
                                               os.fsencode(inside("/.old"))) == 0:
            os.chdir("/")
            if libc.umount2(b"/.old", MNT_DETACH) != 0:
                raise OSError("could not detach the old root")
            os.rmdir("/.old")
        else:  # no pivot_root: move the new root over / and enter it (as switch_root does)
            os.chdir(stage)
            mount(stage, "/", None, MS_MOVE)
            os.chroot(".")
            os.chdir("/")
            os.rmdir("/.old")
        mount(None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID)
        os.chdir(workdir)
        return True
    except OSError:
        return False


def _cell_name(index: int) -> str:
    return f"<answer cell {index}>"


def _read_rules(workdir, forbidden, protected, allowed, importlib_util, sysconfig) -> tuple:
    """``(folder, allowed)`` pairs; the longest folder containing a path decides, a tie denies."""
    real = os.path.realpath
    allow = {workdir, "/dev/null", "/dev/urandom", "/dev/random"}
    paths = sysconfig.get_paths()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        if paths.get(key):
            allow.add(real(paths[key]))
    for entry in sys.path:
        if entry and os.path.isdir(entry):
            allow.add(real(entry))
    deny = {real(path) for path in protected}
    for key in ("stdlib", "platstdlib"):  # the base interpreter's packages, when not ours
        if paths.get(key) and real(os.path.join(paths[key], "site-packages")) not in allow:
            deny.add(real(os.path.join(paths[key], "site-packages")))
    for name in sorted(forbidden):
        if name in allowed or name in sys.builtin_module_names:
            continue
        try:
            spec = importlib_util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is None:
            continue
        for location in spec.submodule_search_locations or ():
            deny.add(real(location))
        if spec.origin and spec.submodule_search_locations is None and spec.has_location:
            deny.add(real(spec.origin))
    rules = [(path, True) for path in allow] + [(path, False) for path in deny]
    return tuple(sorted(rules, key=lambda rule: (-len(rule[0]), rule[1])))


def _decide(rules: tuple, path: str) -> bool:
    """Whether ``path`` (absolute, resolved) may be read, by the longest matching rule."""
    for folder, allowed in rules:
        if path == folder or path.startswith(folder.rstrip("/") + "/"):
            return allowed
    return False


class _ImportGate:
    """First meta-path finder: a clear refusal for forbidden imports, stand-ins for plotting.

    It raises through ``sys.audit`` so that the hook records the refusal; removing this
    finder changes nothing but messages (the hook's ``import`` and ``open`` rules still
    refuse the import). Where ``nobody`` cannot read the standard library (and no mount
    namespace fixed that), a standard module that was not preloaded gets a clear message.
    """

    def __init__(self, forbidden: frozenset, stdlib_reachable: bool, hook: bool):
        self._forbidden = forbidden if hook else frozenset()
        self._stdlib_reachable = stdlib_reachable

    def find_spec(self, fullname, path=None, target=None):
        import importlib.machinery

        top = str.__str__(fullname).partition(".")[0]
        if top in self._forbidden:
            sys.audit("convkit.sandbox.import", fullname)
        if top in STUB_MODULES:
            return importlib.machinery.ModuleSpec(fullname, _StubLoader(),  # type: ignore[arg-type]
                                                  is_package=True)
        if not self._stdlib_reachable and top in sys.stdlib_module_names:
            raise ModuleNotFoundError(
                f"the grader cannot import {fullname} here: its sandbox has only NumPy and the "
                "common standard modules (math, itertools, collections, ...)", name=fullname)
        return None


class _Stub:
    """Does nothing, whatever is asked of it (``plt.imshow(...)``, ``fig, ax = ...``)."""

    def __call__(self, *args, **kwargs):
        return _Stub()

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Stub()

    def __getitem__(self, key):
        return _Stub()

    def __iter__(self):
        return iter((_Stub(), _Stub()))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class _Shell:
    """``get_ipython()`` in the sandbox: magics that only time or capture code run it once.

    ``%%time`` or ``%%timeit`` on top of an answer cell must still define the function;
    every other magic (``%matplotlib inline``, ``!ls``...) does nothing.
    """

    RUN = frozenset({"time", "timeit", "capture", "prun"})

    def __init__(self, namespace: dict):
        self._namespace = namespace

    def _run(self, name: str, code: str) -> None:
        if name in self.RUN and code.strip():
            exec(compile(code, f"<%{name}>", "exec"), self._namespace)

    def run_line_magic(self, name, line, *args, **kwargs):
        try:
            self._run(name, line)
        except SyntaxError:  # options such as "-n 10": ignore the magic, as before
            pass

    def run_cell_magic(self, name, line, cell, *args, **kwargs):
        self._run(name, cell)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Stub()


class _StubLoader:
    def create_module(self, spec):
        return None

    def exec_module(self, module):
        def stub_attribute(name):
            if name.startswith("__"):
                raise AttributeError(name)
            return _Stub()

        module.__getattr__ = stub_attribute


def _install_hook(*, workdir, outputs, rules, forbidden, violations) -> None:
    """Install the audit hook. Everything it uses is captured here, as closure variables.

    Nothing keeps a reference to the hook (the interpreter's list of hooks is not
    reachable from Python, ``gc.get_referrers`` is refused), and its policy is held in
    frozensets, tuples and strings, so answer code can neither reach nor change it.
    Builtins and module functions are captured now: replacing ``builtins.type`` or
    ``os.lstat`` later changes nothing here. It never calls a method of an object the
    student made: paths must be ``str``, ``bytes`` or ``int`` (a path-like object is
    refused, since converting it twice could give two different answers).
    """
    _type, _len, _str, _int, _tuple, _range = type, len, str, int, tuple, range
    _max_violations = MAX_VIOLATIONS
    _str_str, _bytes_decode, _repr = str.__str__, bytes.decode, repr
    _lstat, _readlink, _getcwd, _getpid = os.lstat, os.readlink, os.getcwd, os.getpid
    _OSError, _TypeError = OSError, TypeError
    _append = violations.append
    _deny_events, _deny_prefixes = dict(DENY_EVENTS), tuple(DENY_PREFIXES)
    _path_events, _read_events = dict(PATH_EVENTS), dict(READ_EVENTS)
    _frame_attributes = FRAME_ATTRIBUTES
    _write_bits = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
    _own_pid = os.getpid()
    _workdir = workdir
    _quiet_paths = frozenset({os.path.realpath(__file__)})  # looked up by traceback printing

    class SandboxDenied(PermissionError, ValueError):
        """Raised into the student's code when the sandbox refuses an action."""

    def deny(what):
        if what not in violations and _len(violations) < _max_violations:
            _append(what)
        raise SandboxDenied(f"convkit sandbox: {what} is not allowed while grading")

    def text(value):
        """An exact str for a str or bytes argument, else None."""
        try:
            return _str_str(value)
        except _TypeError:
            pass
        try:
            return _bytes_decode(value, "utf-8", "surrogateescape")
        except _TypeError:
            return None

    def resolve(path):
        """Like os.path.realpath, built only from captured C functions."""
        if not path.startswith("/"):
            path = _getcwd() + "/" + path
        todo = path.split("/")
        todo.reverse()
        done: list[str] = []
        links = 0
        while todo:
            part = todo.pop()
            if part == "" or part == ".":
                continue
            if part == "..":
                if done:
                    done.pop()
                continue
            candidate = "/" + "/".join(done + [part])
            try:
                mode = _lstat(candidate).st_mode
            except _OSError:
                done.append(part)
                continue
            if (mode & 0o170000) == 0o120000:
                links += 1
                if links > 40:
                    return None
                target = _readlink(candidate)
                if target.startswith("/"):
                    done = []
                parts = target.split("/")
                parts.reverse()
                todo.extend(parts)
            else:
                done.append(part)
        return "/" + "/".join(done)

    def readable(path):
        for folder, allowed in rules:
            if path == folder or path.startswith(folder + "/"):
                return allowed
        return False

    def inside_workdir(path):
        return path == _workdir or path.startswith(_workdir + "/")

    def check_open(args):
        path, mode, flags = args[0], args[1], args[2]
        if _type(path) is _int:
            deny(f"open of file descriptor {_repr(path)}")
        name = text(path)
        if name is None:
            deny(f"open of a {_type(path).__name__} path (use a str)")
        where = resolve(name)
        if where is None:
            deny(f"open({_repr(name)})")
        try:  # a folder's fd would let os.open(..., dir_fd=fd) reach past these checks
            folder = (_lstat(where).st_mode & 0o170000) == 0o040000
        except _OSError:
            folder = False
        if folder:
            deny(f"opening the folder {_repr(name)}")
        writing = False
        if _type(mode) is _str:
            writing = "w" in mode or "a" in mode or "x" in mode or "+" in mode
        elif _type(flags) is _int:
            writing = (flags & _write_bits) != 0
        if writing:
            if where not in outputs:
                deny(f"writing to {_repr(name)}")
        elif not readable(where):
            if where in _quiet_paths:
                raise SandboxDenied(f"convkit sandbox: reading {_repr(name)} is not allowed")
            deny(f"open({_repr(name)})")

    def check_paths(event, args, positions, rule):
        for position in positions:
            if position >= _len(args):
                continue
            value = args[position]
            if value is None:
                continue
            name = text(value)
            if name is None:
                deny(f"{event} of a {_type(value).__name__}")
            where = resolve(name)
            if where is None or not rule(where):
                deny(f"{event}({_repr(name)})")

    def hook(event, args):
        if _type(event) is not _str:
            event = _str_str(event)
        if event == "open":
            check_open(args)
        elif event == "import":
            name = text(args[0]) if _len(args) else None
            if name is None:
                deny("an import by a non-str name")
                return
            top = name.partition(".")[0]
            if top in forbidden:
                deny(f"import of {name}")
            if _len(args) > 1 and args[1] is not None:  # an extension module's file
                check_paths("import of " + name + " from", args, (1,), readable)
        elif event == "convkit.sandbox.import":
            deny(f"import of {text(args[0]) if _len(args) else '?'}")
        elif event == "object.__getattr__":
            if _len(args) > 1 and _type(args[1]) is _str and args[1] in _frame_attributes:
                deny(f"access to stack frames ({args[1]})")
        elif event == "object.__setattr__":
            if _len(args) > 1 and _type(args[1]) is _str and args[1] == "__code__":
                deny("replacing a function's __code__")
        elif event == "sys._getframe":  # not recorded: the stdlib tries it and copes
            raise SandboxDenied("convkit sandbox: sys._getframe is not allowed while grading")
        elif event in _deny_events:
            deny(_deny_events[event])
        elif event == "os.kill" or event == "os.killpg":
            if not (_len(args) and _type(args[0]) is _int and args[0] in (0, _own_pid)):
                deny(f"sending a signal to another process ({event})")
        elif event in _read_events:
            value = args[0] if _len(args) else None
            if _type(value) is _int:
                deny(f"{event} of a file descriptor")
            check_paths(event, ("." if value is None else value,), (0,), readable)
        elif event in _path_events:
            if event == "os.truncate" and _len(args) and _type(args[0]) is _int:
                deny("truncating a file descriptor")
            check_paths(event, args, _path_events[event], inside_workdir)
        else:
            for prefix, what in _deny_prefixes:
                if event.startswith(prefix):
                    if what is None:
                        check_paths(event, args, _tuple(_range(_len(args))), inside_workdir)
                    else:
                        deny(what)

    sys.addaudithook(hook)


def _run(job: dict, setup: dict, wire) -> tuple[dict, list]:
    """Step 6: exec the cells, run the cases; returns the results and the arrays to write."""
    np = setup["np"]
    inputs, call, violations = setup["inputs"], setup["call"], setup["violations"]
    tools = _make_tools(np, inputs, job, wire)
    capture = tools["capture"]
    name, kind = job["name"], job["kind"]
    namespace = {"__name__": "__main__", "__builtins__": __builtins__, "np": np,
                 "display": lambda *a, **k: None}
    shell = _Shell(namespace)
    namespace["get_ipython"] = lambda: shell
    for module in job["allowed_modules"]:
        namespace[module.partition(".")[0]] = sys.modules[module.partition(".")[0]]
    namespace.update(setup["given"])
    cell_errors = []
    scratch = int(job.get("scratch_cells", 0))
    for index, source in enumerate(setup["sources"], start=1):
        before = len(violations)
        with capture() as _:
            # through ``call``, so that a traceback starts in "<convkit sandbox>", not here
            ok, error = call(compile, (source, _cell_name(index), "exec", 0, True))
            if ok:
                ok, error = call(exec, (error, namespace))
        new = violations[before:]
        if index <= scratch and new and all(v.startswith("import of ") for v in new):
            # a scratch cell of the student's (e.g. SciPy to compare with): not a cheat by
            # itself; the cell stopped there, and an answer using its names fails alone.
            # One message for it, whether the cell let the refusal through or caught it.
            del violations[before:]
            cell_errors.append("ImportError: a cell you added imports " + ", ".join(
                v.removeprefix("import of ") for v in new) + ", which this exercise does not "
                "allow while grading: that cell stopped there")
        elif not ok:
            cell_errors.append(tools["describe"](error))
        del error
    namespace.update(setup["given"])  # the trusted versions win over any redefinition

    results: dict = {"cell_errors": cell_errors, "cases": [], "missing": name not in namespace}
    if not results["missing"]:
        if kind == "value":
            for _ in range(max(1, len(job["cases"]))):
                results["cases"].append(tools["outcome"](True, namespace[name], False, "", ""))
        else:
            function = namespace[name]
            for spec in job["cases"]:
                arguments = tools["build"](spec)
                with capture() as streams:
                    ok, value = call(function, arguments)
                modified = not tools["same_arguments"](arguments, spec)
                del arguments
                results["cases"].append(tools["outcome"](ok, value, modified, *streams()))
                del value
    results["violations"] = list(violations)
    results["layers"] = list(setup["layers"])
    return tools["finish"](results)


def _make_tools(np, inputs: list, job: dict, wire) -> dict:
    """The runner's own helpers, built now from captured references (see the threat model)."""
    import contextlib
    import io

    _type, _len, _str, _int, _float, _bool = type, len, str, int, float, bool
    _list, _tuple, _dict, _set, _frozenset, _complex = list, tuple, dict, set, frozenset, complex
    _isinstance, _sys, _TypeError, _str_str = isinstance, sys, TypeError, str.__str__
    _all, _zip = all, zip
    _ndarray = np.ndarray
    _type_name = _type.__dict__["__name__"].__get__
    _float_repr = _float.__repr__
    _excepthook = sys.__excepthook__
    _StringIO = io.StringIO
    _ValueError, _IndexError = ValueError, IndexError
    _max_message, _max_frames = MAX_MESSAGE, MAX_FRAMES
    _MemoryError, _BaseException = MemoryError, BaseException
    limit = int(job["output_limit"])
    encode, arrays = wire.encoder(np, strict=False, max_array_bytes=int(job["array_budget"]))
    decode = wire.decoder(np, inputs)

    class Capture:
        """A text stream that keeps the first ``limit`` characters written to it."""

        encoding = "utf-8"
        errors = "replace"

        def __init__(self):
            self._parts = []
            self._size = 0
            self.truncated = False

        def write(self, text):
            if not _isinstance(text, _str):
                raise _TypeError(f"write() argument must be str, not {_type_name(_type(text))}")
            text = _str_str(text)
            if self._size < limit:
                self._parts.append(text[: limit - self._size])
            if self._size + _len(text) > limit:
                self.truncated = True
            self._size += _len(text)
            return _len(text)

        def writelines(self, lines):
            for line in lines:
                self.write(line)

        def flush(self):
            pass

        def isatty(self):
            return False

        def getvalue(self):
            value = "".join(self._parts)
            return value + "\n[... output truncated]" if self.truncated else value

    @contextlib.contextmanager
    def capture():
        out, err = Capture(), Capture()
        saved = _sys.stdout, _sys.stderr
        _sys.stdout, _sys.stderr = out, err
        try:
            yield lambda: (out.getvalue(), err.getvalue())
        finally:
            _sys.stdout, _sys.stderr = saved

    def build(spec):
        """Fresh Python objects for a case's tagged arguments (arrays copied)."""
        return _tuple(decode(item) for item in spec)

    def same(value, item):
        """Whether ``value`` still equals the tagged ``item`` (exact types, exact bytes)."""
        if _type(item) is not _dict:
            return _type(value) is _type(item) and value == item
        tag = item["t"]
        if tag == "ndarray":
            original = inputs[item["i"]]
            return (_type(value) is _ndarray and value.dtype == original.dtype
                    and value.shape == original.shape and value.tobytes() == original.tobytes())
        if tag == "float":
            return _type(value) is _float and _float_repr(value) == _float_repr(_float(item["v"]))
        if tag == "complex":
            return _type(value) is _complex and same(value.real, item["re"]) and same(
                value.imag, item["im"])
        if tag == "dict":
            if _type(value) is not _dict or _len(value) != _len(item["v"]):
                return False
            return _all(decode(k) in value and same(value[decode(k)], v) for k, v in item["v"])
        kind = {"tuple": _tuple, "list": _list, "set": _set, "frozenset": _frozenset}[tag]
        if _type(value) is not kind or _len(value) != _len(item["v"]):
            return False
        if tag in ("set", "frozenset"):
            return value == kind(decode(v) for v in item["v"])
        return _all(same(v, i) for v, i in _zip(value, item["v"], strict=True))

    def same_arguments(arguments, spec):
        return _len(arguments) == _len(spec) and _all(
            same(value, item) for value, item in _zip(arguments, spec, strict=True))

    def describe(error):
        """``"Name: message"`` and the answer cells' frames of the traceback."""
        kind = _type(error)
        name = "MemoryError" if _isinstance(error, _MemoryError) else _type_name(kind)
        try:
            message = _str(error)
        except _BaseException:  # noqa: B036 - a broken __str__ is the student's
            message = "<the exception could not be printed>"
        head = f"{name}: {message}" if message else name
        if _len(head) > _max_message:
            head = head[:_max_message] + " [...]"
        frames = student_frames(error)
        if frames:
            head += "\nTraceback (your code, most recent call last):\n" + "\n".join(frames)
        return head

    def student_frames(error):
        """Answer-cell frames, from the C traceback printer (no frame object is touched)."""
        buffer = _StringIO()
        saved = _sys.stderr
        _sys.stderr = buffer
        try:
            _excepthook(_type(error), error, error.__traceback__)
        except _BaseException:  # noqa: B036
            return []
        finally:
            _sys.stderr = saved
        frames = []
        sources = job["sources"]
        for line in buffer.getvalue().splitlines():
            line = line.strip()
            if not line.startswith('File "<answer cell '):
                continue
            try:
                cell_text, rest = line[_len('File "<answer cell '):].split('>", line ', 1)
                number_text, _, function = rest.partition(", in ")
                cell, number = _int(cell_text), _int(number_text)
                code = sources[cell - 1].splitlines()[number - 1].strip()
            except (_ValueError, _IndexError):
                continue
            frames.append(f"  answer cell {cell}, line {number}, in {function}\n    {code}")
        return frames[-_max_frames:]

    def outcome(ok, value, modified, stdout, stderr):
        entry = {"status": "ok" if ok else "error", "inputs_modified": _bool(modified),
                 "stdout": stdout, "stderr": stderr, "memory": False, "error": None, "value": None}
        if ok:
            entry["value"] = encode(value)
        else:
            entry["error"] = describe(value)
            entry["memory"] = _isinstance(value, _MemoryError)
        return entry

    def finish(results):
        return results, arrays

    return {"capture": capture, "build": build, "same_arguments": same_arguments,
            "outcome": outcome,
            "describe": describe, "finish": finish}


def _make_writer(results_path: str, arrays_path: str, wire):
    """Step 7: a function that writes the results (:func:`wire.dumps`) and the arrays."""
    import io

    _dict, _len, _memoryview = dict, len, memoryview
    _open, _write, _close = os.open, os.write, os.close
    _create = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    _reuse = os.O_WRONLY | os.O_TRUNC | os.O_NOFOLLOW | os.O_NONBLOCK  # never wait on a FIFO
    _fstat, _S_IFMT, _S_IFREG = os.fstat, 0o170000, 0o100000
    _EEXIST, _OSError = 17, OSError
    _dumps = wire.dumps
    _BytesIO = io.BytesIO

    def open_output(path):
        """A new file, or the empty one a private root made for it (see _private_root)."""
        try:
            return _open(path, _create, 0o644)
        except _OSError as error:
            if error.errno != _EEXIST:
                raise
        fd = _open(path, _reuse)
        if (_fstat(fd).st_mode & _S_IFMT) != _S_IFREG:
            _close(fd)
            raise _OSError(f"{path} is not a regular file")
        return fd

    def write_file(path, data):
        fd = open_output(path)
        try:
            view = _memoryview(data)
            while view:
                view = view[_write(fd, view):]
        finally:
            _close(fd)

    def write(results: dict, arrays: list, write_arrays=None) -> None:
        results = _dict(results)
        results["n_arrays"] = _len(arrays)
        if arrays:
            buffer = _BytesIO()
            write_arrays(buffer, arrays)
            write_file(arrays_path, buffer.getbuffer())
        write_file(results_path, _dumps(results))

    return write


if __name__ == "__main__":
    main()
