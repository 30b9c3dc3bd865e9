"""Publish and subscribe on the system's topics, the ones C++ actors, kernels
(``send_host`` to a topic's actor) and the server's streams use.

    sys.publish(ra.types.shop.order(id=7, qty=3, tags=[]))   # topic "shop.order"
    sys.publish("totals", ra.types.shop.score(...))          # a named topic
    sub = sys.subscribe(ra.types.shop.order, print, buffer=64)
    sub.unsubscribe()

A subscriber's callback runs as a Python actor: on a worker thread, under
the GIL, one event at a time, in the order of publication, with each event
as an object of its ``ringactor.types`` class. Its queue holds ``buffer``
events (default: the topic's ``subscriber_buffer``); a subscriber that falls
that far behind is cut off: it gets one ``TopicOverflow`` (to ``on_overflow``
if given, else to the callback) and nothing after it, so that memory stays
bounded. A callback that raises ends its subscription (as a handler that
raises ends its actor).
"""

import _ringactor

from . import types

_EVENT = "ringactor.topic_event"
_OVERFLOW = "ringactor.topic_overflow"
_MISSING = object()


class TopicOverflow:
    """The notice a subscriber gets once when it was cut off: `dropped`
    events of `topic` were lost after the event `last_id` (the last one it
    was sent; 0: none)."""

    __slots__ = ("topic", "dropped", "last_id")

    def __init__(self, topic, dropped, last_id):
        self.topic = topic
        self.dropped = dropped
        self.last_id = last_id

    def __eq__(self, other):
        return isinstance(other, TopicOverflow) and (
            (self.topic, self.dropped, self.last_id) == (other.topic, other.dropped, other.last_id)
        )

    def __repr__(self):
        return (
            f"TopicOverflow(topic={self.topic!r}, dropped={self.dropped}, "
            f"last_id={self.last_id})"
        )


def topic_name(topic):
    """A topic's name from a name, a ``ringactor.types`` class or one of its
    objects (the type's topic)."""
    if isinstance(topic, str):
        return topic
    name = getattr(topic, "__ringactor_type__", None)
    if isinstance(name, str):
        return name
    raise TypeError(f"a topic is a name or a ringactor.types class, not {topic!r}")


class Subscription:
    """One subscriber of a topic: ``unsubscribe()`` stops its deliveries
    (no callback begins after it returns) and ends its actor."""

    def __init__(self, topic, handle, state):
        self._topic = topic
        self._handle = handle
        self._state = state

    @property
    def topic(self):
        return self._topic

    @property
    def handle(self):
        """The subscriber's actor."""
        return self._handle

    @property
    def active(self):
        """False once unsubscribed, cut off by an overflow, or ended by a
        callback that raised."""
        return self._state.active and not self._handle.exited

    def unsubscribe(self):
        state = self._state
        if state.sub is not None:
            state.sub.unsubscribe()
        if state.active:
            state.active = False
            self._handle.send_exit("user_shutdown")

    def __repr__(self):
        return f"Subscription(topic={self._topic!r}, active={self.active})"


class _State:
    __slots__ = ("active", "sub")

    def __init__(self):
        self.active = True
        self.sub = None


class PubSub:
    """The ActorSystem's publish and subscribe (a mixin over ``self._sys``)."""

    def publish(self, topic_or_message, message=_MISSING):
        """``publish(msg)``: to the topic of msg's type (its registered name);
        ``publish("topic", msg)``: to a named topic (created on first use).
        Returns the event's id. A value that has no registered type with a
        JSON form raises TypeError, one its codec refuses WireError; nothing
        is published then."""
        if message is _MISSING:
            return _ringactor.publish(self._sys, None, topic_or_message)
        return _ringactor.publish(self._sys, topic_name(topic_or_message), message)

    def subscribe(self, topic, callback, buffer=None, on_overflow=None):
        """Calls ``callback(msg)`` with each message published to `topic` (a
        name, or a ``ringactor.types`` class: its type's topic) from now on.
        `buffer`: the events that may wait for the callback before it is cut
        off with a TopicOverflow (to `on_overflow`, else to `callback`)."""
        name = topic_name(topic)
        if not callable(callback):
            raise TypeError(f"subscribe: callback {callback!r} is not callable")
        if on_overflow is not None and not callable(on_overflow):
            raise TypeError(f"subscribe: on_overflow {on_overflow!r} is not callable")
        state = _State()
        notify = on_overflow or callback
        from_json = types._from_json
        quit_actor = _ringactor.quit

        def receive(msg):
            if not state.active:
                quit_actor()
                return
            kind = getattr(msg, "__ringactor_type__", None)
            if kind == _EVENT:
                callback(from_json(msg.type, msg.data))
            elif kind == _OVERFLOW:
                state.active = False
                notify(TopicOverflow(msg.topic, msg.dropped, msg.last_id))
                quit_actor()

        handle = self.spawn(receive)
        try:
            state.sub = _ringactor.subscribe(self._sys, name, handle, buffer)
        except BaseException:
            state.active = False
            handle.send_exit("user_shutdown")
            raise
        return Subscription(name, handle, state)

    def topic_stats(self, topic):
        """The counters of a topic (name, buffer, subscriber_buffer,
        published, buffered, subscribers, overflows, refused), or None."""
        return _ringactor.topic_stats(self._sys, topic_name(topic))

    def topic_actor(self, topic):
        """The actor of a topic (created on first use): a message sent to it,
        from Python, C++ or a kernel (its id), is published."""
        return _ringactor.topic_actor(self._sys, topic_name(topic))
