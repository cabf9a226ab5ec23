"""``python -m covtut.tasks.pedestrian``: run the recipe once and commit the result."""

from covtut.tasks import pedestrian

pedestrian.main()
