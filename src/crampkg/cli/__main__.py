"""``python -m crampkg.cli``: the ``crampkg`` command."""

from .main import main  # the package (__init__) has registered the commands

main()
