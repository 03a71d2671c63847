"""convkit.checking: the generic engine, its one-way imports, and what probing reads.

* the import graph of ``convkit`` (built with ``ast`` over the package) has no cycle, and
  ``convkit.checking`` never imports ``convkit.exercises``;
* no module outside ``convkit/exercises/`` (and the lesson helpers) names a graded
  exercise in its code;
* the rubric: generic criteria only with a right value somewhere; points add up;
* probing recovers the kernel any linear filter applies (Hypothesis), its offset, its
  mode, saturation and wrap-around, and tells a non-linear function from a linear one;
* a failed check renders as its message alone in a real IPython kernel.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convkit import exercises
from convkit.checking import probing
from convkit.checking.models import correlate
from convkit.checking.rubric import Judged, score
from convkit.checking.running import CheckFailed, NotWrittenYet, check, forbidden_uses
from convkit.checking.types import Case, Criterion, Exercise, Verdict

PACKAGE = Path(__file__).resolve().parent.parent / "convkit"
#: modules that may name graded exercises: the exercises themselves and the lesson helpers
#: (the reference array code and what the lessons show); ``__init__`` re-exports core,
#: ``demo`` runs core's im_conv, ``course`` lists the assignments' notebook files
ALLOWED = ("exercises", "core", "kernels", "images", "display", "diagrams", "widgets",
           "__init__", "demo", "course")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """The convkit modules ``path`` imports (at any level, lazily too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_name(path) if path.name == "__init__.py" else \
        _module_name(path).rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("convkit")}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            if base.startswith("convkit"):
                found.add(base)
                found |= {f"{base}.{a.name}" for a in node.names}
    return found


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        targets = set()
        for imported in _imports(path):
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                targets.add(imported)
        graph[name] = targets
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_import_graph_of_convkit_has_no_cycle():
    graph = _graph()
    assert "convkit.checking.types" in graph and "convkit.exercises.im_conv" in graph
    # a package imports its own __init__ when a submodule is imported: not an edge back
    for name in graph:
        graph[name] = {t for t in graph[name] if not name.startswith(t + ".")}
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_imports_go_one_way_exercises_then_checking_then_types():
    graph = _graph()
    for name, targets in graph.items():
        if name.startswith("convkit.checking"):
            assert not any(t.startswith("convkit.exercises") for t in targets), (name, targets)
            assert not any(t.startswith("convkit.grading") for t in targets), (name, targets)
    assert graph["convkit.checking.types"] <= set(), graph["convkit.checking.types"]
    assert "convkit.checking.running" in graph["convkit.exercises.im_conv"]


def _names_in_code(path: Path) -> set[str]:
    """Identifiers and string constants of a module, docstrings and comments excluded."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value,
                                                                     ast.Constant):
                docstrings.add(id(body[0].value))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef):
            found.add(node.name)
        elif isinstance(node, ast.arg):
            found.add(node.arg)
        elif isinstance(node, ast.alias):
            found |= {node.name.rpartition(".")[2], node.asname or ""}
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in docstrings:
            found |= set(node.value.replace(",", " ").replace("'", " ").replace('"', " ")
                         .split())
            found.add(node.value)
    return found


def test_no_module_outside_the_exercises_names_a_graded_exercise():
    graded = set(exercises.names())
    assert len(graded) == 17
    offenders = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] in ALLOWED or rel.stem in ALLOWED and len(rel.parts) == 1:
            continue
        named = _names_in_code(path) & graded
        if named:
            offenders[rel.as_posix()] = sorted(named)
    assert not offenders, offenders


def test_the_registry_is_found_from_the_package_and_refuses_unknown_names():
    found = {p.stem for p in (PACKAGE / "exercises").glob("*.py") if not p.stem.startswith("_")}
    assert set(exercises.names()) == found
    assert [ex.name for ex in exercises.for_assignment("01_subimages")] == [
        "window_choice", "conv_output_shape", "get_subimages"]
    with pytest.raises(KeyError, match="name must be one of"):
        exercises.get("im_convolve")
    with pytest.raises(TypeError, match="name"):
        exercises.get(3)  # type: ignore[arg-type]
    with pytest.raises(AttributeError):
        exercises.check_nothing  # noqa: B018
    from convkit.exercises import check_im_conv

    assert check_im_conv is sys.modules["convkit.exercises.im_conv"].check_im_conv


def test_every_case_of_every_exercise_belongs_to_a_criterion_of_its_rubric():
    for ex in exercises.all_exercises():
        ids = {c.id for c in ex.rubric if not c.generic}
        for seed in (None, 1, 2):
            for case in ex.cases() + ex.cases(hidden=True, seed=seed):
                assert case.criteria and set(case.criteria) <= ids, (ex.name, case.label)
        used = {i for c in ex.cases() for i in c.criteria}
        assert used == ids, (ex.name, ids - used)  # every criterion has a visible case


# --------------------------------------------------------------------------------------------
# the rubric
# --------------------------------------------------------------------------------------------


def _toy(rubric: tuple[Criterion, ...]) -> Exercise:
    return Exercise("toy", "a", "function", "", ("x",), lambda x: 2.0 * x, lambda: [],
                    lambda rng: [], rubric)


RUBRIC = (Criterion("small", "small", 2), Criterion("big", "big", 1),
          Criterion("unmodified", "inputs unmodified", 1, "unmodified"),
          Criterion("form", "float64 arrays", 1, "form"))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["small", "big"]), st.booleans(), st.booleans()),
                min_size=1, max_size=8))
def test_rubric_points_are_the_criteria_met_and_generic_ones_need_a_right_value(rows):
    ex = _toy(RUBRIC)
    judged = [Judged(Case(str(i), (np.ones(2),), criteria=(crit,)),
                     Verdict(ok, "" if ok else "toy: wrong."), 2.0 * np.ones(2), modified)
              for i, (crit, ok, modified) in enumerate(rows)]
    total, results = score(ex, judged)
    met = {r.id: r.met for r in results}
    for crit in ("small", "big"):
        mine = [ok for c, ok, _ in rows if c == crit]
        assert met[crit] == (bool(mine) and all(mine))
    value = met["small"] or met["big"]
    assert met["unmodified"] == (value and not any(m for _, _, m in rows))
    assert met["form"] == value
    assert total == sum(c.points for c in RUBRIC if met[c.id])
    assert 0 <= total <= ex.points == 5


def test_probing_cases_count_for_no_criterion():
    ex = _toy(RUBRIC[:2])
    judged = [Judged(Case("a", criteria=("small",)), Verdict(True), None, False),
              Judged(Case("b", criteria=("big",)), Verdict(True), None, False),
              Judged(Case("p", probe=True), Verdict(False, "toy: no."), None, True)]
    assert score(ex, judged)[0] == 3


# --------------------------------------------------------------------------------------------
# probing
# --------------------------------------------------------------------------------------------


def _run(probe, func):
    return probing.analyse(probe, [func(*c.copy_args()) for c in probing.probe_cases(probe)])


kernels = st.lists(st.integers(-9, 9).filter(bool), min_size=6, max_size=6).map(
    lambda v: np.array(v, dtype=float).reshape(2, 3))


@settings(max_examples=40, deadline=None)
@given(kernels, st.booleans())
def test_probing_recovers_the_kernel_any_correlation_applies(applied, flipped):
    probe = probing.LinearProbe(flipped=flipped)
    report = _run(probe, lambda im, k: correlate(im, applied))
    assert report.linear and report.shift_invariant and report.mode == "valid mode"
    np.testing.assert_array_equal(report.applied, applied)
    assert report.offset == (0, 0)
    assert f"applies {probing.inline(applied)}" in report.text()
    assert (report.relation == "the right kernel") == np.array_equal(
        applied, probe.expected_kernel(probing.KERNEL))


@pytest.mark.parametrize(("func", "words"), [
    (lambda im, k: correlate(im, k[::-1, ::-1]), "the kernel flipped, i.e. rotated by 180"),
    (lambda im, k: correlate(im, k[:, ::-1]), "flipped left-right only"),
    (lambda im, k: correlate(im, k) * 2, "scaled by 2"),
    (lambda im, k: correlate(im, k)[1:, 1:], "one row and one column fewer than valid mode"),
    (lambda im, k: correlate(im, k).T, "with rows and columns swapped"),
    (lambda im, k: correlate(im, k, "same"), "same mode"),
    (lambda im, k: correlate(im, k, "full"), "full mode"),
    (lambda im, k: correlate(im, k[:-1, :-1]), "only part of the kernel"),
    (lambda im, k: np.convolve(im.ravel(), k.ravel(), "valid"), "flattened"),
    (lambda im, k: correlate(im, k) ** 2, "linear: no"),
])
def test_probing_names_what_a_wrong_filter_computes(func, words):
    report = _run(probing.LinearProbe(), func)
    assert words in report.text(), report.text()


def test_probing_sees_a_shifted_window_and_uint8_effects():
    def shifted(im, k):  # the window of (r, c) starts one row and one column late
        padded = np.pad(np.asarray(im, float), ((0, 1), (0, 1)))
        return correlate(padded, k)[1:, 1:]

    report = _run(probing.LinearProbe(), shifted)
    assert report.offset == (-1, -1) and "offset by -1 row(s) and -1 column(s)" in report.text()
    assert "starts at im[r+1, c+1]" in report.text()

    def wraps(im, k):
        return correlate(im, k).astype(np.int64) % 256 if im.dtype == np.uint8 \
            else correlate(im, k)

    assert "wraps around past 255" in _run(probing.LinearProbe(), wraps).text()

    def saturates(im, k):
        out = correlate(im, k)
        return np.clip(out, 0, 255) if im.dtype == np.uint8 else out

    assert "saturates" in _run(probing.LinearProbe(), saturates).text()


def test_probe_analysis_refuses_the_wrong_number_of_results():
    with pytest.raises(ValueError, match="results"):
        probing.analyse(probing.LinearProbe(), [None])
    with pytest.raises(TypeError, match="probe"):
        probing.probe_cases("flipped")  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# the visible check
# --------------------------------------------------------------------------------------------


def test_a_failed_check_renders_as_its_message_alone():
    ex = exercises.get("flip_kernel")
    with pytest.raises(CheckFailed) as info:
        check(ex, lambda k: np.fliplr(k))
    lines = info.value._render_traceback_()
    assert "flip_kernel: the kernel is flipped left-right only." in lines[0]
    assert not any("convkit" in line and ".py" in line for line in lines)
    with pytest.raises(NotWrittenYet, match="not written yet") as stub:
        check(ex, lambda k: (_ for _ in ()).throw(NotImplementedError()))
    assert isinstance(stub.value, NotImplementedError)
    assert "not written yet" in stub.value._render_traceback_()[0]


@pytest.mark.parametrize(("name", "answer", "words"), [
    ("conv_output_shape", lambda i, k, m: [i[0] - k[0] + 1, i[1] - k[1] + 1],
     "return a tuple, not a list"),
    ("im_conv", lambda im, k: [[float(np.sum(im[r:r + k.shape[0], c:c + k.shape[1]] * k))
                                for c in range(im.shape[1] - k.shape[1] + 1)]
                               for r in range(im.shape[0] - k.shape[0] + 1)],
     "return an array, not a list"),
    ("get_subimages", lambda im, k: list(np.lib.stride_tricks.sliding_window_view(
        im, k.shape).reshape(-1, *k.shape)), "return a dict, not a list"),
])
def test_a_list_where_an_array_or_tuple_is_expected_gets_a_clear_message(name, answer, words):
    with pytest.raises(CheckFailed) as info:
        check(exercises.get(name), answer)
    assert words in str(info.value) and "truth value" not in str(info.value)


def test_the_check_refuses_what_the_sandbox_refuses():
    import cv2  # noqa: F401 - the answer below finds it in its globals

    namespace = {"np": np, "cv2": sys.modules["cv2"]}
    exec(exercises.get("im_conv").cheat.source, namespace)
    with pytest.raises(CheckFailed, match="cv2 is not allowed in this exercise"):
        check(exercises.get("im_conv"), namespace["im_conv"])
    exec("def helper(im, k):\n    return cv2.filter2D(im, -1, k)\n"
         "def flip_kernel(k):\n    return helper(k, k)\n", namespace)
    assert forbidden_uses(exercises.get("flip_kernel"), namespace["flip_kernel"]) == [
        "use of cv2"]
    from convkit.core import im_conv

    namespace = {"np": np, "im_conv": im_conv}  # lesson 3 gives im_conv for convolve
    exec(exercises.get("flip_kernel").right.source, namespace)
    exec(exercises.get("convolve").right.source, namespace)
    assert forbidden_uses(exercises.get("convolve"), namespace["convolve"]) == []
    exec("def opencv_im_conv(im, kernel):\n    return im_conv(im, kernel)\n", namespace)
    assert forbidden_uses(exercises.get("opencv_im_conv"), namespace["opencv_im_conv"]) == [
        "use of convkit.core.im_conv"]
    with pytest.raises(CheckFailed, match="convkit is not allowed"):
        check(exercises.get("im_conv"), im_conv)  # the reference itself


def test_a_failed_check_in_a_real_kernel_shows_only_the_message_and_the_kernel_applied():
    import nbformat
    from nbclient import NotebookClient

    wrong = exercises.get("im_conv").wrong.source
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import numpy as np\n"
                                  "from convkit.exercises import check_im_conv"),
        nbformat.v4.new_code_cell(wrong),
        nbformat.v4.new_code_cell("check_im_conv(im_conv)"),
        nbformat.v4.new_code_cell("def im_conv(im, kernel):\n    raise NotImplementedError()"),
        nbformat.v4.new_code_cell("check_im_conv(im_conv)"),
    ])
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True).execute()
    error = nb.cells[2].outputs[0]
    assert error.output_type == "error" and error.ename == "CheckFailed"
    text = "\n".join(error.traceback)
    assert "im_conv: the kernel is flipped." in text
    assert "your function applies [[6, 5, 4], [3, 2, 1]] where [[1, 2, 3], [4, 5, 6]]" in text
    assert "File " not in text and "convkit/" not in text and "Traceback" not in text
    stub = nb.cells[4].outputs[0]
    assert stub.ename == "NotWrittenYet" and "is not written yet" in "\n".join(stub.traceback)
    assert len(stub.traceback) == 1
