"""`python -m xltool`."""

from xltool.cli import main

main()
