"""environment.yml (Binder, conda) and pyproject.toml (pip) must describe the same environment,
and the README's Binder badge must open a notebook that exists.

``CONDA_NAMES`` is the documented name mapping: a runtime dependency of
``pyproject.toml`` that conda-forge ships under another name. ``PIP_IN_CONDA``
lists the dependencies that ``environment.yml`` installs with pip instead (with
the reason in ``environment.yml``'s header).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from convkit.course import ASSIGNMENTS, RELEASE_DIR

REPO = Path(__file__).resolve().parent.parent

#: pyproject name -> conda-forge name, where they differ
CONDA_NAMES = {"matplotlib": "matplotlib-base"}
#: pyproject names that environment.yml installs from PyPI (its pip: section)
PIP_IN_CONDA = {"opencv-python-headless"}
#: conda packages that are the environment's plumbing, not convkit's dependencies
CONDA_PLUMBING = {"python", "pip"}
#: conda-forge packages that would put a second cv2/ next to the pip wheel's
CONDA_OPENCV = {"opencv", "py-opencv", "libopencv"}

BINDER_BADGE = re.compile(
    r"\[!\[[^\]]*\]\((?P<image>https://mybinder\.org/badge[^)]*)\)\]"
    r"\((?P<link>https://mybinder\.org/v2/[^)\s]+)\)"
)


def _pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def _environment() -> dict:
    return yaml.safe_load((REPO / "environment.yml").read_text(encoding="utf-8"))


def _runtime_requirements() -> dict[str, SpecifierSet]:
    reqs = [Requirement(line) for line in _pyproject()["project"]["dependencies"]]
    return {canonicalize_name(r.name): r.specifier for r in reqs}


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
    return sections[0]


def _conda_spec(spec: str) -> SpecifierSet:
    """A conda version spec like ``>=4.2,<5`` or ``=3.11`` as a PEP 440 specifier set."""
    if spec.startswith("=") and not spec.startswith("=="):
        return SpecifierSet(f"=={spec[1:]}.*")
    return SpecifierSet(spec)


def test_environment_uses_conda_forge_only() -> None:
    assert _environment()["channels"] == ["conda-forge", "nodefaults"]


def test_environment_names_the_same_packages_as_pyproject() -> None:
    env = _environment()
    conda = _conda_requirements(env)
    pip = {canonicalize_name(Requirement(line).name): Requirement(line).specifier
           for line in _pip_section(env) if not line.startswith("-")}
    runtime = _runtime_requirements()

    expected_conda = {
        canonicalize_name(CONDA_NAMES.get(name, name)): spec
        for name, spec in runtime.items()
        if name not in PIP_IN_CONDA
    }
    got_conda = {name: _conda_spec(spec) for name, spec in conda.items()
                 if name not in CONDA_PLUMBING}
    assert got_conda == expected_conda, "environment.yml's conda packages drifted from pyproject"

    expected_pip = {name: spec for name, spec in runtime.items() if name in PIP_IN_CONDA}
    assert pip == expected_pip, "environment.yml's pip packages drifted from pyproject"

    # one OpenCV only: the pip wheel, never a conda build writing another cv2/
    assert not CONDA_OPENCV & set(conda)
    # the mapping documents real differences only
    for name in CONDA_NAMES:
        assert canonicalize_name(name) in runtime and canonicalize_name(name) not in conda


def test_environment_pins_the_python_that_pyproject_requires() -> None:
    conda = _conda_requirements(_environment())
    assert conda["python"] == "=3.11", "repo2docker reads an exact python=X.Y pin"
    requires = SpecifierSet(_pyproject()["project"]["requires-python"])
    assert "3.11" in requires
    assert "pip" in conda, "a pip: section needs pip in the environment"


def test_environment_installs_convkit_from_the_repository() -> None:
    """``-e .`` installs convkit; it is a local requirement, so repo2docker builds the
    environment after copying the repository (no postBuild needed)."""
    pip = _pip_section(_environment())
    assert "-e ." in [line.strip() for line in pip]
    assert (REPO / "pyproject.toml").is_file()
    assert _pyproject()["project"]["name"] == "convkit"


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
