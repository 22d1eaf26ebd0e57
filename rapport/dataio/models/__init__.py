"""The tables of dataio: bulk actions, export log, imports, duplicate candidates and merges,
data health.

One module per part; each is imported here so that Django finds its models.
"""

from rapport.dataio.models.bulk import *  # noqa: F403
from rapport.dataio.models.dedup import *  # noqa: F403
from rapport.dataio.models.exports import *  # noqa: F403
from rapport.dataio.models.health import *  # noqa: F403
from rapport.dataio.models.imports import *  # noqa: F403
from rapport.dataio.models.merges import *  # noqa: F403
