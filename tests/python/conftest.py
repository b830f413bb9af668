# SPDX-License-Identifier: BSD-3-Clause
"""Support for test_oracle.py: collects the differences the oracle test
accepted because the reference's own coefficients tie at the median within
rounding error, and prints them after the run so they stay visible."""
import pytest

_KEY = pytest.StashKey[list]()


@pytest.fixture
def oracle_report(request):
    """A list the oracle tests append accepted near-tie differences to."""
    return request.config.stash.setdefault(_KEY, [])


def pytest_terminal_summary(terminalreporter, config):
    lines = config.stash.get(_KEY, [])
    if lines:
        terminalreporter.section(
            "oracle: %d hash(es) differing only at reference float-noise ties" % len(lines))
        for line in lines:
            terminalreporter.write_line(line)
