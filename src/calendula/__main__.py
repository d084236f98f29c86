"""`python -m calendula` runs the command line."""

from calendula.cli import main

main()
