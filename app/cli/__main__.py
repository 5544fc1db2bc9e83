"""`python -m app.cli` is `kordon`."""

from app.cli import main

main()
