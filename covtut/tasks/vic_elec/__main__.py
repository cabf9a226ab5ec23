"""``python -m covtut.tasks.vic_elec``: run the full budget and commit the result."""

from covtut.tasks import vic_elec

vic_elec.main()
