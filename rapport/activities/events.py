"""Events the activities app announces; its own jobs (tasks.py) and higher apps subscribe."""

from dataclasses import dataclass

from rapport.core.events import Event


@dataclass(frozen=True)
class MentionsNotified(Event):
    """Users were mentioned in a text and asked to hear of it by e-mail too: the e-mails are
    sent by a job once the transaction commits."""

    mention_ids: tuple[int, ...]
    url: str
    title: str
    excerpt: str = ""
