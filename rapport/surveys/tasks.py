"""Jobs of the surveys app. Thin and safe to run twice (see `services.nps_round_run`); the
schedule lives in config/schedules.py."""

from rapport.surveys.services import nps_send_due


def send_due_nps_surveys() -> int:
    """The periodic sweep: start the NPS rounds that are due and finish interrupted ones."""
    return nps_send_due()
