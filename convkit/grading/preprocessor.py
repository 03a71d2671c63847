"""nbgrader preprocessors: grade out of process inside nbgrader's own autograde pipeline.

Three preprocessors plug convkit's grading into nbgrader (see
``convkit.course.nbgrader_config``, which wires them for ``convkit grade`` and for
an instructor's own ``nbgrader autograde``):

``RebuildFromRelease`` (first of ``Autograde.sanitize_preprocessors``)
    replaces the submitted notebook by the released one with the student's answer
    cells put in, and records what the student changed elsewhere in the notebook's
    metadata (``convkit.findings``), replacing anything the submission put there.
``SandboxChecks`` (replaces ``Execute`` in ``Autograde.autograde_preprocessors``)
    runs no kernel: it decides every test cell in a sandboxed process per graded
    function (or takes the verdict from the cache) and writes the verdict as the
    cell's output: a short stream line when it passed; an ``error`` output carrying
    the grader's own message (never a traceback of test code), plus a picture of
    expected | actual | difference for a wrong array, when it failed. nbgrader's
    ``SaveAutoGrades`` then turns that into points as usual; nothing the student's
    code prints or warns reaches the test cell, so stderr never costs points.
``FeedbackSummary`` (in ``GenerateFeedback.preprocessors``, after ``ClearHiddenTests``)
    puts a summary at the top of the feedback: points per exercise and what to fix.
"""

from __future__ import annotations

import base64
import html
import os
import textwrap
from pathlib import Path
from typing import Any

import nbformat
from nbformat.notebooknode import NotebookNode
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import ClearHiddenTests as _ClearHiddenTests
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Float, HasTraits, Instance, Integer, List, Unicode

from convkit.grading.cache import VerdictCache
from convkit.grading.context import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, GradingContext
from convkit.grading.jobs import question_jobs, verdict_for
from convkit.grading.rebuild import OUTPUTS_KEY, Finding, question_of, rebuild, student_outputs
from convkit.grading.seeds import resolve_salt
from convkit.grading.verdicts import FAIL, PASS, QuestionVerdict

META_KEY = "convkit"
RED, GREEN, RESET = "\x1b[0;31m", "\x1b[0;32m", "\x1b[0m"
WRAP = 96  #: characters per line of a failing test cell's message (feedback pages do not wrap)


#: what nbconvert's HTML exporter gives every ``NbConvertBase`` (so every preprocessor)
DISPLAY_DATA_PRIORITY = ["text/html", "application/pdf", "text/latex", "image/svg+xml",
                         "image/png", "image/jpeg", "text/plain"]


class QuietConfig(HasTraits):
    """Mixin: accept the exporter's ``NbConvertBase.display_data_priority`` setting.

    nbgrader's ``NbGraderPreprocessor`` redeclares ``display_data_priority`` without
    ``config=True``, so when ``generate_feedback``'s HTML exporter passes its default
    ``NbConvertBase.display_data_priority`` to the preprocessors, traitlets logs
    "Config option `display_data_priority` not recognized by `ClearHiddenTests`" (and
    by every other nbgrader preprocessor in the list). Declaring it configurable again
    takes the setting, which none of these preprocessors uses, without a warning.
    """

    display_data_priority = List(DISPLAY_DATA_PRIORITY).tag(config=True)


def _nbgrader_info(resources: dict[str, Any]) -> tuple[str, str, str]:
    info = resources["nbgrader"]
    return info["student"], info["assignment"], info["notebook"]


class RebuildFromRelease(QuietConfig, NbGraderPreprocessor):
    """Rebuild the submission from the released notebook (see :mod:`convkit.grading.rebuild`)."""

    release_root = Unicode(
        "",
        help="Folder holding <assignment>/<notebook>.ipynb as released to students "
             "(default: the course's release directory)",
    ).tag(config=True)

    def _release_path(self, assignment: str, notebook: str) -> Path:
        if self.release_root:
            root = Path(self.release_root)
        else:
            course = self.config.CourseDirectory
            base = Path(course.root) if "root" in course else Path.cwd()
            release = course.release_directory if "release_directory" in course else "release"
            root = base / release
        return root / assignment / f"{notebook}.ipynb"

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]):
        _student, assignment, notebook = _nbgrader_info(resources)
        path = self._release_path(assignment, notebook)
        release = nbformat.read(path, as_version=4)
        result = rebuild(nb, release)
        new = nbformat.from_dict(result.notebook)
        new.metadata[META_KEY] = {"findings": [f.to_dict() for f in result.findings]}
        for finding in result.findings:
            self.log.warning("%s: %s", finding.kind, finding.message)
        return new, resources


class SandboxChecks(QuietConfig, NbGraderPreprocessor):
    """Decide every test cell out of process and write the verdicts as the cells' outputs.

    Its settings form one :class:`~convkit.grading.context.GradingContext`: either given
    whole (``context``, what a grading task does) or built from the traitlets below (what
    plain ``nbgrader autograde`` from ``autograder/`` does).
    """

    context = Instance(GradingContext, allow_none=True,
                       help="The run's grading context (overrides the settings below)"
                       ).tag(config=True)
    salt = Unicode("", help="Salt of the per-student hidden inputs "
                            "(default: $CONVKIT_GRADING_SALT, else a public default)"
                   ).tag(config=True)
    timeout = Float(DEFAULT_TIMEOUT, help="Wall-clock seconds per graded function"
                    ).tag(config=True)
    memory_mb = Integer(DEFAULT_MEMORY_MB, help="Sandbox memory limit in MB").tag(config=True)
    course_root = Unicode("", help="The course folder (default: CourseDirectory.root)"
                          ).tag(config=True)
    protected = List(Unicode(), help="More folders the student's code must never see "
                                     "(the course root always is)").tag(config=True)
    cache_dir = Unicode("", help="Folder of cached verdicts (empty: no cache)").tag(config=True)

    def grading_context(self) -> GradingContext:
        """The context this preprocessor grades with."""
        if self.context is not None:
            return self.context
        course = self.config.CourseDirectory
        root = self.course_root or (course.root if "root" in course else os.getcwd())
        return GradingContext(course_root=root, salt=resolve_salt(self.salt or None),
                              timeout=self.timeout, memory_mb=self.memory_mb,
                              protected=tuple(self.protected))

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]):
        student, assignment, _notebook = _nbgrader_info(resources)
        meta = nb.metadata.get(META_KEY, {})
        findings = [Finding.from_dict(item) for item in meta.get("findings", [])]
        context = self.grading_context()
        cache = VerdictCache(self.cache_dir) if self.cache_dir else None
        verdicts: dict[str, QuestionVerdict] = {}
        computed = 0
        for job in question_jobs(nb, findings, student=student, assignment=assignment,
                                 context=context):
            verdicts[job.name], cached = verdict_for(job, context, cache)
            computed += not cached
        if computed and cache is not None:
            self.log.info("computed %d verdict(s) that were not cached", computed)
        for cell in nb.cells:
            kept = student_outputs(cell)
            cell.metadata.get(META_KEY, {}).pop(OUTPUTS_KEY, None)
            if META_KEY in cell.metadata and not cell.metadata[META_KEY]:
                del cell.metadata[META_KEY]
            if cell.cell_type != "code":
                continue
            cell.outputs = [nbformat.from_dict(o) for o in kept]  # the student's own outputs
            cell.execution_count = None
            info = cell.metadata.get("nbgrader", {})
            if info.get("grade") and not info.get("solution"):
                name = question_of(info.get("grade_id", "")) or info.get("grade_id", "?")
                verdict = verdicts.get(name)
                points = _number(info.get("points"))
                if verdict is not None and points is not None:
                    verdict = verdicts[name] = verdict.weighted(points)  # the cell's weight
                cell.outputs = verdict_outputs(verdict, name)
        nb.metadata[META_KEY] = {
            "findings": [f.to_dict() for f in findings],
            "verdicts": {name: {**v.summary(), "mistake": v.mistake}
                         for name, v in verdicts.items()},
        }
        return nb, resources


def verdict_outputs(verdict: QuestionVerdict | None, name: str) -> list[NotebookNode]:
    """The outputs a test cell shows for ``verdict`` (None: the cell was not graded).

    nbgrader scores a test cell from its outputs (``nbgrader.utils.determine_grade``): an
    ``error`` output gives 0, an ``execute_result`` gives its number, anything else full
    points. So: full marks are one stdout line; no points an ``error`` output carrying the
    grader's message; partial credit a stdout stream with the message (the criteria met and
    missed, the diagnosis), the picture, and an ``execute_result`` holding the points. A
    wrong array adds a PNG of expected | yours | difference.

    Examples
    --------
    >>> ok = QuestionVerdict("f", PASS, "all 3 checks passed", score=2, max_score=2)
    >>> [o.output_type for o in verdict_outputs(ok, "f")], verdict_outputs(ok, "f")[0].text
    (['stream'], '✔ f: all 3 checks passed\\n')
    >>> wrong = QuestionVerdict("f", FAIL, "1 of 3 checks failed: off by one", max_score=2)
    >>> out = verdict_outputs(wrong, "f")[0]
    >>> out.output_type, out.ename, out.evalue
    ('error', 'CheckFailed', '1 of 3 checks failed: off by one')
    >>> half = QuestionVerdict("f", FAIL, "1 of 3 checks failed: uint8", score=1, max_score=2)
    >>> [o.output_type for o in verdict_outputs(half, "f")]
    ['stream', 'execute_result']
    >>> verdict_outputs(half, "f")[-1].data["text/plain"]
    '1'
    """
    if verdict is None:
        text = (f"not graded: this test cell has no check the grader knows ({name}); "
                "ask your instructor")
        return [nbformat.v4.new_output("error", ename="NotGraded", evalue=text,
                                       traceback=[f"{RED}✘ {text}{RESET}"])]
    notes = _wrapped("\n".join(verdict.notes))
    if verdict.status == PASS:
        return [nbformat.v4.new_output("stream", name="stdout", text="".join(
            f"{line}\n" for line in (f"✔ {name}: {verdict.headline}", *notes)))]
    details = "\n".join([verdict.details.strip() or verdict.headline, *notes])
    picture = []
    if verdict.picture:
        picture.append(nbformat.v4.new_output(
            "display_data",
            data={"image/png": base64.b64encode(verdict.picture).decode("ascii"),
                  "text/plain": f"<expected | yours | difference for {name}>"}))
    if verdict.partial:
        text = "\n".join([f"✘ {name}: {verdict.headline}",
                          f"  ({verdict.score:g} of {verdict.max_score:g} points)", "",
                          *_wrapped(details)])
        return [nbformat.v4.new_output("stream", name="stdout", text=text + "\n"), *picture,
                nbformat.v4.new_output("execute_result", execution_count=None,
                                       data={"text/plain": f"{verdict.score:g}"})]
    ename = {"tampered": "TestCellChanged", "forbidden": "NotAllowed", "timeout": "Timeout",
             }.get(verdict.mistake or "", "CheckFailed")
    if verdict.status != FAIL:
        ename = "NotGraded"
    traceback = [f"{RED}✘ {name}: {verdict.headline}{RESET}", "", *_wrapped(details)]
    return [nbformat.v4.new_output("error", ename=ename, evalue=verdict.headline,
                                   traceback=traceback), *picture]


def _wrapped(text: str, width: int = WRAP) -> list[str]:
    """Lines of ``text`` with long prose lines wrapped (indented lines, e.g. arrays, kept)."""
    lines = []
    for line in text.splitlines():
        if len(line) > width and not line[:1].isspace():
            lines += textwrap.wrap(line, width, break_on_hyphens=False) or [""]
        else:
            lines.append(line)
    return lines


class FeedbackSummary(QuietConfig, NbGraderPreprocessor):
    """Put a summary at the top of the feedback: points per exercise and what to fix."""

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]):
        student, assignment, notebook = _nbgrader_info(resources)
        pending = self._pending(resources, student, assignment, notebook, nb)
        meta = nb.metadata.get(META_KEY, {})
        cell = nbformat.v4.new_markdown_cell(summary_markdown(nb, meta, pending))
        cell.metadata["convkit"] = {"summary": True}
        nb.cells.insert(0, cell)
        return nb, resources

    @staticmethod
    def _pending(resources: dict[str, Any], student: str, assignment: str, notebook: str,
                 nb: NotebookNode) -> set[str]:
        """grade_ids of written answers that still wait for the instructor."""
        pending: set[str] = set()
        with Gradebook(resources["nbgrader"]["db_url"]) as gradebook:
            for cell in nb.cells:
                info = cell.metadata.get("nbgrader", {})
                if info.get("grade") and info.get("solution"):
                    try:
                        grade = gradebook.find_grade(info["grade_id"], notebook, assignment,
                                                     student)
                    except MissingEntry:
                        continue
                    if grade.manual_score is None and grade.auto_score is None:
                        pending.add(info["grade_id"])
        return pending


class ClearHiddenTests(QuietConfig, _ClearHiddenTests):
    """nbgrader's ``ClearHiddenTests``, without its ``display_data_priority`` warning
    (see :class:`QuietConfig`); wired in ``GenerateFeedback.preprocessors``."""


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _points(value: Any) -> str:
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return "?"


def _escaped(value: Any) -> str:
    """``value`` as HTML text on one line: escaped, every run of whitespace one space.

    A newline would end the summary's raw-HTML block and let markdown (links, images)
    start again; one line cannot.

    Examples
    --------
    >>> _escaped("a <b>\\n\\n[x](javascript:y)")
    'a &lt;b&gt; [x](javascript:y)'
    """
    return html.escape(" ".join(str(value).split()))


def _criteria_lines(verdict: dict[str, Any]) -> list[str]:
    """The rubric's criteria of one exercise, met or missed, as a nested list."""
    criteria = verdict.get("criteria")
    if not isinstance(criteria, list) or not criteria:
        return []
    lines = ["<ul style='margin:0.2em 0 0 0;padding-left:1.2em'>"]
    for item in criteria:
        if not isinstance(item, dict):
            continue
        met = item.get("met") is True
        mark = ("<span style='color:#1a7f37'>✔ met</span>" if met
                else "<span style='color:#c0392b'>✘ missed</span>")
        points = _points(item.get("points"))
        earned = points if met else "0"
        title = item.get("title") or item.get("id") or "criterion"
        lines.append(f"<li>{mark}: {_escaped(title)} ({earned} / {points})</li>")
    lines.append("</ul>")
    return lines


def summary_markdown(nb: NotebookNode, meta: dict[str, Any], pending: set[str]) -> str:
    """The summary cell's markdown: one raw-HTML block, every string from the notebook escaped.

    Grade ids, headlines, criteria and notes may hold whatever a student wrote (a
    ``window_choice`` value, a forged ``grade_id``): each is escaped and kept on one
    line, and the block is marked for MathJax to leave alone, so none of it can become
    markup, a link or a TeX command.
    """
    verdicts = meta.get("verdicts", {}) if isinstance(meta, dict) else {}
    verdicts = verdicts if isinstance(verdicts, dict) else {}
    rows: list[tuple[str, str, str, bool | None, dict[str, Any]]] = []
    for cell in nb.cells:
        info = cell.metadata.get("nbgrader", {})
        if not info.get("grade"):
            continue
        grade_id = str(info.get("grade_id", ""))
        points = f"{_points(info.get('score'))} / {_points(info.get('points'))}"
        if info.get("solution"):
            what = ("written answer: waiting for your instructor" if grade_id in pending
                    else "written answer: graded by your instructor")
            rows.append((grade_id, points, what, None, {}))
            continue
        name = question_of(grade_id) or grade_id
        verdict = verdicts.get(name, {})
        verdict = verdict if isinstance(verdict, dict) else {}
        ok = verdict.get("status") == PASS
        headline = verdict.get("headline", "not graded")
        rows.append((name, points, headline, ok, verdict))
    lines = ["<div class='convkit-summary tex2jax_ignore mathjax_ignore' "
             "style='border:2px solid #888;border-radius:6px;padding:0.6em 1em;margin-bottom:1em'>",
             "<h3 style='margin-top:0'>Your feedback: what passed and what to fix</h3>",
             "<table class='table table-condensed' style='width:100%'>",
             "<tr><th>exercise</th><th>points</th><th>result</th></tr>"]
    for name, points, what, ok, verdict in rows:
        mark = "" if ok is None else ("<span style='color:#1a7f37'>✔</span> " if ok
                                      else "<span style='color:#c0392b'>✘</span> ")
        lines.append(f"<tr><td><a href='#{_escaped(_anchor(nb, name))}'>"
                     f"<code>{_escaped(name)}</code></a></td><td>{_escaped(points)}</td>"
                     f"<td>{mark}{_escaped(what)}")
        lines += _criteria_lines(verdict)
        lines.append("</td></tr>")
    lines.append("</table>")
    items = meta.get("findings", []) if isinstance(meta, dict) else []
    notes = [Finding.from_dict(item) for item in items if isinstance(item, dict)]
    notes = [f for f in notes if not f.costs_points]
    if notes:
        lines.append("<p><b>Notes from the grader:</b></p><ul>")
        lines += [f"<li>{_escaped(f.message)}</li>" for f in notes]
        lines.append("</ul>")
    lines.append("<p>Each exercise's test cell below shows the details: the mistake the grader "
                 "recognised, a tiny example of expected and actual results and, for a wrong "
                 "array, a picture of expected | actual | difference.</p></div>")
    return "\n".join(lines)


def _anchor(nb: NotebookNode, name: str) -> str:
    for prefix in ("test_", ""):
        grade_id = prefix + name
        if any(c.metadata.get("nbgrader", {}).get("grade_id") == grade_id for c in nb.cells):
            return grade_id
    return name


__all__ = ["RebuildFromRelease", "SandboxChecks", "FeedbackSummary", "ClearHiddenTests",
           "QuietConfig", "verdict_outputs",
           "summary_markdown"]
