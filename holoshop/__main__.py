"""`python -m holoshop`: the same as the `holoshop` command."""

from holoshop.cli import main

main()
