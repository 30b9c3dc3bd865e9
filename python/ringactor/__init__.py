"""ringactor for Python: Python actors on the same actor system as C++ and
kernel actors, with the same handles, messages and errors.

    import ringactor as ra
    sys = ra.ActorSystem(workers=2)
    scorer = sys.lookup("scorer")                     # a C++ actor registered by name
    reply = scorer.request(ra.types.shop.order(id=7, qty=3, tags=[]), timeout=1.0)
    d = sys.spawn(lambda msg: 2 * msg)                # a Python actor
"""

import _ringactor

from . import types
from .exceptions import (
    ActorExited,
    Cancelled,
    DeadReceiver,
    PoolUnavailable,
    RequestTimeout,
    RingactorError,
    UnexpectedMessage,
    UnexpectedResponse,
    WireError,
    WorkerFailed,
)
from .buffers import DeviceBuffer, to_device_buffer
from .messages import DownMsg, ExitMsg
from .supervision import Child, Pool, PoolStats, Supervisor, SupervisorCounts, WorkerStats, child
from .system import Actor, ActorSystem, Handle
from .topics import Subscription, TopicOverflow

become = _ringactor.become
quit = _ringactor.quit  # noqa: A001 (the actor's quit, as in CAF)
current = _ringactor.current

__all__ = [
    "Actor",
    "ActorExited",
    "ActorSystem",
    "Cancelled",
    "Child",
    "DeadReceiver",
    "DeviceBuffer",
    "DownMsg",
    "ExitMsg",
    "Handle",
    "Pool",
    "PoolStats",
    "PoolUnavailable",
    "RequestTimeout",
    "RingactorError",
    "Subscription",
    "Supervisor",
    "SupervisorCounts",
    "TopicOverflow",
    "UnexpectedMessage",
    "UnexpectedResponse",
    "WireError",
    "WorkerFailed",
    "WorkerStats",
    "become",
    "child",
    "current",
    "quit",
    "to_device_buffer",
    "types",
]
