"""``python -m covtut.tasks.aus_retail``: run the full budget and commit the result."""

from covtut.tasks import aus_retail

aus_retail.main()
