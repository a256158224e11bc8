"""``python -m routing.cli``: the same as the ``ektp-route`` command."""

from routing.cli import main

main()
