"""Domain events: subscribers hear what publishers announce, and only that."""

from dataclasses import dataclass

from rapport.core.events import Event, _handlers, publish, subscribe


@dataclass(frozen=True)
class ThingHappened(Event):
    thing_id: int


@dataclass(frozen=True)
class OtherThingHappened(Event):
    thing_id: int


def test_subscriber_receives_published_event():
    # Given a subscriber to ThingHappened
    received = []

    @subscribe(ThingHappened)
    def on_thing(event):
        received.append(event)

    try:
        # When the event is published
        publish(ThingHappened(thing_id=7))

        # Then the handler got it
        assert received == [ThingHappened(thing_id=7)]
    finally:
        _handlers[ThingHappened].remove(on_thing)


def test_subscriber_does_not_receive_other_event_types():
    received = []

    @subscribe(ThingHappened)
    def on_thing(event):
        received.append(event)

    try:
        publish(OtherThingHappened(thing_id=1))
        assert received == []
    finally:
        _handlers[ThingHappened].remove(on_thing)


def test_subscribing_twice_delivers_once():
    received = []

    def on_thing(event):
        received.append(event)

    subscribe(ThingHappened)(on_thing)
    subscribe(ThingHappened)(on_thing)
    try:
        publish(ThingHappened(thing_id=2))
        assert received == [ThingHappened(thing_id=2)]
    finally:
        _handlers[ThingHappened].remove(on_thing)


def test_handlers_run_in_subscription_order():
    calls = []

    def first(event):
        calls.append("first")

    def second(event):
        calls.append("second")

    subscribe(ThingHappened)(first)
    subscribe(ThingHappened)(second)
    try:
        publish(ThingHappened(thing_id=3))
        assert calls == ["first", "second"]
    finally:
        _handlers[ThingHappened].remove(first)
        _handlers[ThingHappened].remove(second)


def test_publishing_with_no_subscriber_is_harmless():
    publish(OtherThingHappened(thing_id=4))
