"""``python -m convkit``: the same as the ``convkit`` command."""

from convkit.cli import main

raise SystemExit(main())
