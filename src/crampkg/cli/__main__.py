"""``python -m crampkg.cli``: the ``crampkg`` command."""

from .main import main

main()
