"""Release the student notebooks: ``solutions/`` -> ``course/`` through nbgrader.

``convkit release`` runs ``nbgrader generate_assignment`` for every lesson
(into a throw-away gradebook, so it never touches an instructor's grades), then
cleans the notebooks so the committed files diff well: no outputs, no
execution counts, and only the metadata nbgrader and Jupyter need.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import nbformat

from convkit.course import (
    ASSIGNMENTS,
    RELEASE_DIR,
    SOURCE_DIR,
    course_root,
    nbgrader_config,
    put_python_scripts_on_path,
)

#: the notebook-level metadata a committed notebook keeps
KEPT_NOTEBOOK_METADATA = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}
#: the cell-level metadata keys a committed notebook keeps (nbgrader locks cells with
#: ``editable``/``deletable``, which JupyterLab honours)
KEPT_CELL_METADATA = ("nbgrader", "tags", "editable", "deletable")


def clean_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return a copy of ``nb`` with outputs cleared and only essential metadata kept."""
    nb = nbformat.from_dict(nb)  # deep copy
    nb.metadata = nbformat.from_dict(KEPT_NOTEBOOK_METADATA)
    for cell in nb.cells:
        cell.metadata = nbformat.from_dict(
            {key: cell.metadata[key] for key in KEPT_CELL_METADATA if key in cell.metadata}
        )
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        if "attachments" in cell and not cell.attachments:
            del cell["attachments"]
    nb.nbformat, nb.nbformat_minor = 4, 5
    return nb


def write_clean(nb: nbformat.NotebookNode, path: Path) -> None:
    """Write ``nb`` cleaned, with stable formatting (one-space indent, trailing newline)."""
    nb = clean_notebook(nb)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = nbformat.writes(nb, version=4)
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


def generate_release(root: Path, out_dir: Path, assignments: list[str] | None = None) -> list[Path]:
    """Run nbgrader's generate_assignment from ``root/solutions`` into ``out_dir``.

    The gradebook is a temporary one. Returns the written notebook paths.
    """
    from nbgrader.apps import NbGraderAPI

    put_python_scripts_on_path()
    names = assignments or [a.name for a in ASSIGNMENTS]
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="convkit-release-") as tmp:
        tmp_root = Path(tmp)
        shutil.copytree(root / SOURCE_DIR, tmp_root / SOURCE_DIR)
        (tmp_root / RELEASE_DIR).mkdir()
        config = nbgrader_config(tmp_root, db_url=f"sqlite:///{tmp_root / 'gradebook.db'}")
        config.NbGraderAPI.log_level = "WARN"
        api = NbGraderAPI(config=config)
        for name in names:
            result = api.generate_assignment(name, force=True, create=True)
            if not result["success"]:
                raise RuntimeError(f"nbgrader could not release {name}:\n{result.get('error')}")
            for produced in sorted((tmp_root / RELEASE_DIR / name).glob("*.ipynb")):
                target = out_dir / name / produced.name
                write_clean(nbformat.read(produced, as_version=4), target)
                written.append(target)
            for extra in (tmp_root / RELEASE_DIR / name).iterdir():
                if extra.suffix != ".ipynb" and extra.name != ".ipynb_checkpoints":
                    dest = out_dir / name / extra.name
                    if extra.is_dir():
                        shutil.copytree(extra, dest, dirs_exist_ok=True)
                    else:
                        shutil.copy2(extra, dest)
    return written


def clean_sources(root: Path, assignments: list[str] | None = None) -> list[Path]:
    """Rewrite the ``solutions/`` notebooks cleaned (outputs and extra metadata removed).

    Only the named assignments are touched; all of them when ``assignments`` is empty.
    """
    names = assignments or [a.name for a in ASSIGNMENTS]
    paths = sorted(path for name in names for path in (root / SOURCE_DIR / name).glob("*.ipynb"))
    for path in paths:
        write_clean(nbformat.read(path, as_version=4), path)
    return paths


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("assignments", nargs="*", help="assignments to release (default: all)")
    parser.add_argument("--root", type=Path, default=None, help="course folder (default: found)")


def run(args: argparse.Namespace) -> int:
    root = args.root.resolve() if args.root else course_root()
    clean_sources(root, args.assignments or None)
    for name in args.assignments or [a.name for a in ASSIGNMENTS]:
        shutil.rmtree(root / RELEASE_DIR / name, ignore_errors=True)
    for path in generate_release(root, root / RELEASE_DIR, args.assignments or None):
        print(f"released {path.relative_to(root)}")
    return 0
