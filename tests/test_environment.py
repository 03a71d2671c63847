"""environment.yml (Binder, conda) is built from the same list as CI: pyproject.toml.

conda-forge provides only the interpreter and pip; the pip section installs convkit
with its ``test`` extra, exactly what CI installs (``pip install -e '.[test]'``), so
the environment Binder builds is the one the tests ran in, pytest included. The slow
test builds a fresh virtual environment from the pip section alone and runs lesson 1's
solution notebook in it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from convkit.course import ASSIGNMENTS, RELEASE_DIR, SOURCE_DIR

REPO = Path(__file__).resolve().parent.parent

#: all that environment.yml may ask conda-forge for: the interpreter and pip
CONDA_PLUMBING = {"python", "pip"}

BINDER_BADGE = re.compile(
    r"\[!\[[^\]]*\]\((?P<image>https://mybinder\.org/badge[^)]*)\)\]"
    r"\((?P<link>https://mybinder\.org/v2/[^)\s]+)\)"
)


def _pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def _environment() -> dict:
    return yaml.safe_load((REPO / "environment.yml").read_text(encoding="utf-8"))


def _conda_requirements(env: dict) -> dict[str, str]:
    """conda name -> version spec ('' when unpinned), from the string entries."""
    out = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str):
            match = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*(.*)", dep.strip())
            assert match, f"cannot read the conda dependency {dep!r}"
            name, spec = match.groups()
            out[canonicalize_name(name)] = spec.replace(" ", "")
    return out


def _pip_section(env: dict) -> list[str]:
    sections = [dep["pip"] for dep in env["dependencies"] if isinstance(dep, dict) and "pip" in dep]
    assert len(sections) == 1, "environment.yml needs exactly one pip: section"
    return [line.strip() for line in sections[0]]


def test_environment_uses_conda_forge_only() -> None:
    assert _environment()["channels"] == ["conda-forge", "nodefaults"]


def test_conda_forge_gives_only_python_and_pip() -> None:
    """Anything else from conda-forge would be a package CI never installed."""
    env = _environment()
    assert set(_conda_requirements(env)) == CONDA_PLUMBING
    assert all(isinstance(dep, str) or set(dep) == {"pip"} for dep in env["dependencies"])


def test_environment_pins_the_python_that_pyproject_requires() -> None:
    conda = _conda_requirements(_environment())
    assert conda["python"] == "=3.11", "repo2docker reads an exact python=X.Y pin"
    assert "3.11" in SpecifierSet(_pyproject()["project"]["requires-python"])
    assert f"{sys.version_info.major}.{sys.version_info.minor}" == "3.11", \
        "CI (this interpreter) should run the Python that Binder pins"


def test_pip_installs_convkit_with_the_extras_ci_installs() -> None:
    """``-e .[test]``: the package and its test extra, as the Makefile's CI install does."""
    pip = _pip_section(_environment())
    assert pip == ["-e .[test]"]
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert "pip install --quiet -e '.[test]'" in makefile, "CI installs something else now"
    project = _pyproject()["project"]
    assert project["name"] == "convkit"
    test_extra = {canonicalize_name(Requirement(r).name)
                  for r in project["optional-dependencies"]["test"]}
    assert "pytest" in test_extra  # Binder users can run the tests
    runtime = {canonicalize_name(Requirement(r).name) for r in project["dependencies"]}
    assert {"nbgrader", "jupyterlab", "opencv-python-headless", "nh3"} <= runtime
    assert "opencv-python" not in runtime | test_extra  # one cv2/, the headless wheel


def _binder_links() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return [m.group("link") for m in BINDER_BADGE.finditer(readme)]


def test_readme_binder_badge_opens_the_first_lesson() -> None:
    links = _binder_links()
    assert links, (
        "README.md has no Binder badge: [![Binder](https://mybinder.org/badge_logo.svg)]"
        "(https://mybinder.org/v2/gh/OWNER/REPO/main?urlpath=lab/tree/course/...)"
    )
    first = ASSIGNMENTS[0]
    for link in links:
        url = urlparse(link)
        assert url.path.startswith("/v2/gh/"), f"the badge should build from GitHub: {link}"
        urlpath = parse_qs(url.query).get("urlpath")
        assert urlpath, f"the badge link has no urlpath=...: {link}"
        target = unquote(urlpath[0])
        prefix = "lab/tree/"
        assert target.startswith(prefix), f"urlpath should open JupyterLab (lab/tree/...): {target}"
        rel = target.removeprefix(prefix)
        assert rel == f"{RELEASE_DIR}/{first.name}/{first.notebook_file}", rel
        assert (REPO / rel).is_file(), f"the Binder badge opens {rel}, which does not exist"


_RUN_LESSON = textwrap.dedent("""
    import sys
    import nbformat
    from nbclient import NotebookClient

    path = sys.argv[1]
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": sys.argv[2]}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.output_type == "error"]
    print("cells", len(nb.cells), "errors", len(errors))
    sys.exit(1 if errors else 0)
""")


@pytest.mark.slow
def test_a_fresh_venv_from_the_pip_section_runs_lesson_1(tmp_path: Path) -> None:
    """What Binder installs (the pip section, from the repository root) runs the first lesson."""
    base = getattr(sys, "_base_executable", sys.executable)
    venv = tmp_path / "venv"
    subprocess.run([base, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    for line in _pip_section(_environment()):
        install = subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             *line.split()],
            cwd=REPO, capture_output=True, text=True, timeout=900)
        assert install.returncode == 0, install.stderr[-3000:]
    imports = subprocess.run(
        [str(python), "-c", "import convkit, cv2, nbgrader, nh3, pytest, jupyterlab; "
                            "print(convkit.__file__, nbgrader.__version__)"],
        capture_output=True, text=True, timeout=120)
    assert imports.returncode == 0, imports.stderr
    assert str(REPO / "convkit") in imports.stdout  # the repository's convkit, editable
    assert "0.9.6" in imports.stdout
    first = ASSIGNMENTS[0]
    notebook = REPO / SOURCE_DIR / first.name / first.notebook_file
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("JUPYTER", "VIRTUAL_ENV", "MPLBACKEND", "PYTHON"))}
    env.update(JUPYTER_DATA_DIR=str(tmp_path / "jupyter-data"), JUPYTER_PLATFORM_DIRS="1",
               JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"),
               PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    script = tmp_path / "run_lesson.py"
    script.write_text(_RUN_LESSON, encoding="utf-8")
    run = subprocess.run([str(python), str(script), str(notebook), str(notebook.parent)],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    assert "errors 0" in run.stdout
