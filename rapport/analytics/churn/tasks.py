"""Jobs of the churn part: the weekly training (scheduled in config/schedules.py) and the one an
administrator asks for. Each trains a new run and scores every customer; safe to run twice."""

import logging

from huey.contrib.djhuey import db_task

from rapport.accounts.models import User

logger = logging.getLogger(__name__)


def train_weekly() -> None:
    from rapport.analytics.churn.services import churn_train

    run = churn_train()
    logger.info("Churn model: %s, %d customers scored", run.status, run.scored)


@db_task()
def train_now(actor_id: int) -> None:
    from rapport.analytics.churn.services import churn_train

    churn_train(actor=User.objects.filter(pk=actor_id).first())
