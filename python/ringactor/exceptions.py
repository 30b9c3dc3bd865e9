"""ringactor's errors as Python exceptions.

Every error of the runtime (libactor/include/ringactor/error.hpp: a code of
a category, with context) raises a RingactorError, or the subclass its
category and code map to. ``code``, ``category`` and ``message`` carry the
runtime's values.
"""

import _ringactor


class RingactorError(Exception):
    """An error of the runtime: ``code`` (int), ``category`` (str: "sec",
    "exit_reason", "supervision", "wire", ...) and ``message`` (the text)."""

    def __init__(self, message="", code=0, category=""):
        super().__init__(message)
        self.message = message
        self.code = code
        self.category = category


class RequestTimeout(RingactorError):
    """No reply came before the request's timeout (sec.request_timeout)."""


class DeadReceiver(RingactorError):
    """The receiver is gone, or exited normally before it replied."""


class UnexpectedMessage(RingactorError):
    """The receiver has no handler for the message's type."""


class UnexpectedResponse(RingactorError):
    """The reply had another type than the request expects."""


class WorkerFailed(RingactorError):
    """A pool worker died with the request in flight (supervision)."""


class PoolUnavailable(RingactorError):
    """No pool worker was live in time, or the pool's queue was full."""


class Cancelled(RingactorError):
    """The request was cancelled before a worker answered it."""


class WireError(RingactorError):
    """A value does not fit its type's wire form; the message names the
    field path (e.g. ``shop.order.qty``)."""


class ActorExited(RingactorError):
    """The actor ended with this exit reason (e.g. unhandled_exception with
    a Python handler's exception text) before it replied."""


_SEC = _ringactor.sec_codes
_SUPERVISION = _ringactor.supervision_codes
_BY_CODE = {
    ("sec", _SEC["request_timeout"]): RequestTimeout,
    ("sec", _SEC["dead_receiver"]): DeadReceiver,
    ("sec", _SEC["unexpected_message"]): UnexpectedMessage,
    ("sec", _SEC["unexpected_response"]): UnexpectedResponse,
    ("supervision", _SUPERVISION["worker_failed"]): WorkerFailed,
    ("supervision", _SUPERVISION["pool_unavailable"]): PoolUnavailable,
    ("supervision", _SUPERVISION["request_cancelled"]): Cancelled,
}
_BY_CATEGORY = {"wire": WireError, "exit_reason": ActorExited}


def from_error(code, category, message, context):
    """The exception for a runtime error (called by the extension)."""
    cls = _BY_CODE.get((category, code)) or _BY_CATEGORY.get(category, RingactorError)
    text = f"{category}: {message}"
    if context:
        text += f" ({context})"
    return cls(text, code, category)
