"""nbgrader configuration for the convolution course.

Run nbgrader from this folder (``cd autograder && nbgrader autograde 02_im_conv``):
``solutions/`` is the source, ``course/`` the release, and the instructor's
workspace (submitted/, autograded/, feedback/, gradebook.db) lives here.
The settings themselves are in ``convkit.course.nbgrader_config`` so the
``convkit`` commands and these nbgrader commands always agree.
"""

from pathlib import Path

from convkit.course import nbgrader_config

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)
c.merge(nbgrader_config(Path(__file__).resolve().parent.parent))
