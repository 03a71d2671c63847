"""Per-student seeds for the hidden test inputs, and the salt that keeps them secret.

Every student gets their own hidden inputs, derived from a hash of a secret salt,
the student id, the assignment and the graded function. The same student always
gets the same inputs (so a re-run gives the same grade), two students get
different ones (so answers cannot be shared by value), and without the salt
nobody can compute them in advance.
"""

from __future__ import annotations

import hashlib
import os

#: environment variable that holds the instructor's salt
SALT_ENV = "CONVKIT_GRADING_SALT"
#: the salt used when the instructor sets none; public, so it only keeps grades reproducible
DEFAULT_SALT = "convkit-public-default-salt"


def resolve_salt(salt: str | None = None) -> str:
    """Return the salt to use: ``salt`` if given, else ``$CONVKIT_GRADING_SALT``, else the default.

    Parameters
    ----------
    salt : str or None
        An explicit salt (e.g. from ``convkit grade --salt``).

    Returns
    -------
    str
        A non-empty salt.

    Examples
    --------
    >>> resolve_salt("s3cret")
    's3cret'
    """
    if salt is not None and not isinstance(salt, str):
        raise TypeError(f"salt must be a string or None; got {type(salt).__name__}")
    if salt:
        return salt
    return os.environ.get(SALT_ENV) or DEFAULT_SALT


def uses_default_salt(salt: str) -> bool:
    """True when ``salt`` is the public default (the hidden inputs are then predictable)."""
    return salt == DEFAULT_SALT


def student_seed(salt: str, student: str, assignment: str, name: str) -> int:
    """The seed of one student's hidden inputs for one graded function.

    A 63-bit integer from ``sha256(salt, student, assignment, name)``: stable across
    runs and machines, different for different students.

    Parameters
    ----------
    salt : str
        The instructor's secret (see :func:`resolve_salt`).
    student, assignment, name : str
        The student id, the assignment folder and the graded function.

    Returns
    -------
    int
        A seed for ``numpy.random.default_rng``.

    Examples
    --------
    >>> a = student_seed("salt", "ada", "02_im_conv", "im_conv")
    >>> a == student_seed("salt", "ada", "02_im_conv", "im_conv")
    True
    >>> a == student_seed("salt", "ben", "02_im_conv", "im_conv")
    False
    >>> 0 <= a < 2**63
    True
    """
    for label, value in (("salt", salt), ("student", student), ("assignment", assignment),
                         ("name", name)):
        if not isinstance(value, str):
            raise TypeError(f"{label} must be a string; got {type(value).__name__}")
    digest = hashlib.sha256("\0".join((salt, student, assignment, name)).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") >> 1
