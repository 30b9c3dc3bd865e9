"""Supervision from Python: pools of Python or C++ workers and supervisors
of Python children (``_ringactor``'s supervision.cpp; the C++ side is
libringactor's supervision/).

    pool = sys.spawn_pool(Scorer, size=4, dispatch="least_loaded", idempotent=True)
    pool.request(msg, timeout=1.0)          # as on any handle; pool.stats() -> PoolStats
    kernels = sys.spawn_pool("adder", size=2)   # C++ workers registered by name
    sup = sys.supervisor(children=[ra.child("ingest", Ingest)], intensity=(5, 10.0))
    sup.counts().restarts
"""

import collections

import _ringactor

PoolStats = _ringactor.PoolStats
WorkerStats = _ringactor.WorkerStats
SupervisorCounts = _ringactor.SupervisorCounts

ChildInfo = collections.namedtuple("ChildInfo", "name handle restart starts")
ChildInfo.__doc__ = """A supervisor's child: its handle (None while it is not running) and
how often it was started (1 + its restarts)."""


def worker_maker(actor, trap_exit=None):
    """What a pool or supervisor calls (on its own thread, with the GIL) to
    start a Python actor: `actor` as ``ActorSystem.spawn`` takes it (a class
    gets a fresh instance per start, so a restarted worker starts with fresh
    state). Returns (handler, owner, trap_exit)."""

    def make():
        obj = actor() if isinstance(actor, type) else actor
        handler = getattr(obj, "receive", None)
        if handler is None:
            if not callable(obj):
                raise TypeError(f"{obj!r} is neither callable nor has receive(msg)")
            handler = obj
        trap = bool(getattr(obj, "trap_exit", False)) if trap_exit is None else trap_exit
        return handler, (obj if obj is not handler else None), trap

    if not isinstance(actor, type) and not callable(actor) and not hasattr(actor, "receive"):
        raise TypeError(f"{actor!r} is neither a class, a callable nor has receive(msg)")
    return make


class Child:
    """A supervisor's child spec: see ``child``."""

    __slots__ = ("name", "actor", "restart", "shutdown")

    def __init__(self, name, actor, restart="permanent", shutdown=5.0):
        if restart not in ("permanent", "transient", "temporary"):
            raise ValueError(f"child {name!r}: restart must be 'permanent', 'transient' or "
                             f"'temporary', not {restart!r}")
        self.name = name
        self.actor = actor
        self.restart = restart
        self.shutdown = float(shutdown)


def child(name, actor, restart="permanent", shutdown=5.0):
    """A child spec: `actor` as ``ActorSystem.spawn`` takes it (a class is
    instantiated anew at each restart); `restart` is 'permanent' (always
    restarted), 'transient' (after an abnormal exit) or 'temporary'
    (never); `shutdown` is how many seconds it gets to exit before it is
    killed."""
    return Child(name, actor, restart, shutdown)


class Pool:
    """A worker pool: send, request and ask work as on a Handle (a pool of
    Python workers passes Python objects to them unconverted); ``stats()``
    and ``resize(n)`` control it. ``handle`` is its Handle (register,
    monitor, link)."""

    def __init__(self, handle):
        self.handle = handle

    @property
    def id(self):
        return self.handle.id

    def send(self, msg):
        self.handle.send(msg)

    def request(self, msg, timeout=1.0):
        return self.handle.request(msg, timeout)

    async def ask(self, msg, timeout=1.0):
        return await self.handle.ask(msg, timeout)

    def stats(self, timeout=1.0):
        """The pool's PoolStats: workers (WorkerStats: name, actor, running,
        in_flight, served, starts), queued, max_in_flight_per_worker (0:
        unlimited), served, redispatched, failed, poisoned, unavailable,
        cancelled, restarts."""
        return self.handle.request(_ringactor.GetPoolStats(), timeout)

    def resize(self, size, timeout=1.0):
        """Grows or shrinks the pool to `size` workers."""
        self.handle.request(_ringactor.PoolResize(size), timeout)

    def __repr__(self):
        return f"<ringactor.Pool {self.handle.id}>"


class Supervisor:
    """A supervisor of Python children. ``counts()`` says how many specs it
    has, how many run, and how often it restarted one; ``handle`` is its
    Handle."""

    def __init__(self, handle):
        self.handle = handle

    @property
    def id(self):
        return self.handle.id

    def counts(self, timeout=1.0):
        """SupervisorCounts: specs, running, restarts."""
        return self.handle.request(_ringactor.CountChildren(), timeout)

    def children(self, timeout=1.0):
        """The children in start order, as ChildInfo."""
        return [ChildInfo(*c) for c in self.handle.request(_ringactor.WhichChildren(), timeout)]

    def child(self, name, timeout=1.0):
        """The running child `name`'s handle, or None."""
        for c in self.children(timeout):
            if c.name == name:
                return c.handle
        return None

    def __repr__(self):
        return f"<ringactor.Supervisor {self.handle.id}>"
