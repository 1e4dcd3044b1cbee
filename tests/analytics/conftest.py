import pytest

# The dashboard tests compare tables in a helper: show the differing rows when they fail.
pytest.register_assert_rewrite("tests.analytics.helpers")
