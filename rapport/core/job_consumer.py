"""How `manage.py serve` learns that the job consumer it started is running.

serve passes a file name in RAPPORT_JOBS_READY_FILE to the consumer; the consumer's workers
touch it when they start (a Huey startup hook, registered by CoreConfig.ready), and serve prints
its banner only after that, so that the address and the login are the console's last lines.
"""

import os
from pathlib import Path

from huey.contrib.djhuey import HUEY

READY_FILE_VARIABLE = "RAPPORT_JOBS_READY_FILE"


@HUEY.on_startup()
def announce_consumer_started() -> None:
    path = os.environ.get(READY_FILE_VARIABLE)
    if path:
        Path(path).touch()
