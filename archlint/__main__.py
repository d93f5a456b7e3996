"""`python -m archlint` runs the command line."""

from archlint.cli import main

main()
