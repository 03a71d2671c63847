"""nbgrader configuration for the convolution course: the ONE place for the course's settings.

Run nbgrader from this folder (``cd autograder && nbgrader autograde 02_im_conv``):
``solutions/`` is the source, ``course/`` the release, and the instructor's
workspace (submitted/, autograded/, feedback/, gradebook.db) lives here.
The folders and grading steps are in ``convkit.course.nbgrader_config`` so the
``convkit`` commands and these nbgrader commands always agree.

The course's own settings go below the ``c.merge(...)`` line. ``convkit grade`` reads this
file too: the course id, the exchange (``c.Exchange.*``) and late work (``c.LateWork.*``,
``c.AssignLatePenalties.*``, ``c.LateSubmissionPlugin.*``) count for its work course
(``OUT_DIR/.nbgrader``) and its workers as well; ``c.CourseDirectory.db_url`` is the
gradebook ``convkit grade --course-gradebook`` grades into. See autograder/README.md,
"The course's settings".
"""

from pathlib import Path

from convkit.course import nbgrader_config

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)
c.merge(nbgrader_config(Path(__file__).resolve().parent.parent))

# ---- the course's settings ----------------------------------------------------------------
# The course id: students fetch and submit under it, the exchange keeps it as a folder name.
# c.CourseDirectory.course_id = "conv-2027"
# nbgrader's exchange (default /usr/local/share/nbgrader/exchange): a folder every student
# can write to (mode 0777, on a hub a shared volume).
# c.Exchange.root = "/srv/nbgrader/exchange"
# Late work: due dates, extensions, and the penalty for a late notebook.
# c.LateWork.duedates = {"02_im_conv": "2027-01-15 17:00:00 UTC"}
# c.LateWork.extensions = {"02_im_conv": {"ada": {"days": 2}}}
# c.LateSubmissionPlugin.penalty_method = "zero"          # nbgrader's: "none" or "zero"
# c.AssignLatePenalties.plugin_class = "convkit.grading.late.PerDayPenalty"
# c.PerDayPenalty.fraction_per_day = 0.1                   # 10 % off per day started
