"""Root pytest configuration: report how long each notebook took, and hold the budget.

Every chapter must run in under 3 minutes on a 2-core CPU. A notebook over
COVTUT_NOTEBOOK_LIMIT seconds (default 270: the budget with a margin for a busy
machine) fails the run; the table at the end shows every notebook's time.
"""

import os

import pytest

LIMIT = float(os.environ.get("COVTUT_NOTEBOOK_LIMIT", "270"))
_durations: dict[str, float] = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and item.nodeid.endswith(".ipynb"):
        _durations[item.nodeid] = report.duration
        if report.passed and report.duration > LIMIT:
            report.outcome = "failed"
            report.longrepr = (f"{item.nodeid} took {report.duration:.0f} s, over the "
                               f"{LIMIT:.0f} s limit (budget: 180 s on a 2-core CPU)")


def pytest_terminal_summary(terminalreporter):
    if not _durations:
        return
    terminalreporter.section("notebook run times (budget 180 s each)")
    for nodeid, seconds in sorted(_durations.items()):
        terminalreporter.write_line(f"{seconds:7.1f} s  {nodeid}")
    terminalreporter.write_line(f"{sum(_durations.values()):7.1f} s  in all")
