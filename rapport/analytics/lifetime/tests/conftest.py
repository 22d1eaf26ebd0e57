import pytest
from huey.contrib.djhuey import HUEY


@pytest.fixture
def huey_immediate():
    """Jobs run inline, in memory (the weekly fit and "fit now" queue one)."""
    previous = HUEY.immediate
    HUEY.immediate = True
    yield HUEY
    HUEY.immediate = previous
