"""The runtime's own messages as Python values."""

from dataclasses import dataclass
from typing import Any, Optional


@dataclass(frozen=True)
class DownMsg:
    """A monitored actor exited: ``source`` is its handle, ``reason`` None
    for a normal exit, else the RingactorError of its exit reason (for a
    Python handler that raised: unhandled_exception with its text)."""

    source: Any
    reason: Optional[Exception]


@dataclass(frozen=True)
class ExitMsg:
    """A linked actor exited (or send_exit asked this one to); reaches an
    actor that traps exits (``trap_exit = True``)."""

    source: Any
    reason: Optional[Exception]
