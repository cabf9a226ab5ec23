"""``python -m covtut.tasks.regimes``: run the full grid and commit the result."""

from covtut.tasks import regimes

regimes.main()
