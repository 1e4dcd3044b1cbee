"""The shared-broker lock: tests that run a real worker on the run's broker take turns across
pytest-xdist processes (tests/conftest.py ``shared_broker``)."""

import subprocess
import sys

from tests.conftest import broker_lock_path

TRY_LOCK = """
import fcntl, sys
with open(sys.argv[1], "w") as handle:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print("held")
    else:
        print("free")
"""


def _other_process_sees() -> str:
    result = subprocess.run(
        [sys.executable, "-c", TRY_LOCK, broker_lock_path()], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_another_process_cannot_take_the_broker_while_a_worker_test_holds_it(shared_broker):
    assert _other_process_sees() == "held"


def test_the_broker_is_free_again_for_other_processes_without_the_fixture():
    assert _other_process_sees() == "free"
