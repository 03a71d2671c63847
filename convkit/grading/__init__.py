"""The autograder: grade submissions out of process, with nbgrader as the backbone.

``sandbox`` runs one student function in a fresh, locked-down process; ``verdicts``
judges what it returns; ``rebuild`` rebuilds a submission from the released notebook;
``preprocessor`` plugs all of it into nbgrader's autograde pipeline; ``pipeline`` and
``cli`` make ``convkit grade``; ``sample_class`` builds the bundled sample class.
"""
