"""ActorSystem: the Python face of an actor system (``_ringactor.System``).

Every live system is shut down by an atexit hook, before the interpreter
finalizes (a worker must not wait for the GIL of a finalizing interpreter);
the wait is bounded by ``system.shutdown_grace``.
"""

import atexit
import os
import threading

import _ringactor

from . import aio
from .supervision import Pool, Supervisor, worker_maker
from .topics import PubSub

Handle = _ringactor.Handle

_live = set()
_live_lock = threading.Lock()


def _setting_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Actor:
    """An optional base for class-based Python actors: ``receive(self, msg)``
    handles messages; ``self.become``, ``self.quit`` and ``self.handle`` work
    from inside the handler. ``trap_exit = True`` makes exit messages of
    links arrive as ExitMsg instead of ending the actor."""

    trap_exit = False

    def become(self, handler):
        _ringactor.become(handler)

    def quit(self, reason=None):
        _ringactor.quit(reason)

    @property
    def handle(self):
        return _ringactor.current()


class ActorSystem(PubSub):
    """An actor system: ``ActorSystem(workers=2, **{"system.idle_yield": True})``
    or ``ActorSystem(config={"system.workers": 2})``; the keys are those of the
    TOML configuration (docs: telemetry's runtime schema). A key or value the
    configuration does not accept raises ValueError naming it."""

    def __init__(self, workers=None, config=None, **settings):
        merged = dict(config or {})
        merged.update(settings)
        if workers is not None:
            merged["system.workers"] = workers
        args = [f"--{key}={_setting_text(value)}" for key, value in merged.items()]
        self._init(_ringactor.System(args))

    @classmethod
    def from_toml(cls, path, **settings):
        """A system configured by the TOML file `path`, then the environment
        (RINGACTOR_SYSTEM__WORKERS=4), then `settings` (as for the
        constructor), in rising precedence."""
        args = [f"--{key}={_setting_text(value)}" for key, value in settings.items()]
        self = cls.__new__(cls)
        self._init(_ringactor.System(args, os.fspath(path), True))
        return self

    def _init(self, system):
        self._sys = system
        self._watchers = []
        with _live_lock:
            _live.add(self)

    # -- actors ---------------------------------------------------------------

    def spawn(self, actor, trap_exit=None):
        """Spawns a Python actor. `actor` is a function (the handler of every
        message), an object with ``receive(msg)`` or ``__call__(msg)`` (its
        state persists), or a class (instantiated without arguments). The
        handler's return value answers a request."""
        obj = actor() if isinstance(actor, type) else actor
        handler = getattr(obj, "receive", None)
        if handler is None:
            if not callable(obj):
                raise TypeError(f"spawn: {obj!r} is neither callable nor has receive(msg)")
            handler = obj
        if trap_exit is None:
            trap_exit = bool(getattr(obj, "trap_exit", False))
        owner = obj if obj is not handler else None
        return self._sys.spawn(handler, owner, trap_exit)

    def spawn_pool(self, factory, size=4, dispatch="least_loaded", idempotent=False, *,
                   kind=None, strategy="one_for_one", intensity=(3, 5.0), max_redispatches=2,
                   queue_capacity=1024, queue_timeout=1.0, worker_timeout=30.0, name="pool",
                   min_live_workers=1, max_in_flight_per_worker=0):
        """A supervised pool of `size` workers behind one Pool.

        `factory` is a Python actor as ``spawn`` takes it (a class gets a
        fresh instance for every worker and every restart), or the registered
        name (str) of a C++ actor or kernel type (``kind`` 'kernel' or
        'actor'; None: whichever is registered, kernels first), registered
        in C++ with ``ringactor::python::pool_factories_of_module()`` as a
        configuration's [pools.NAME] table would use it. `dispatch` is
        'round_robin', 'least_loaded', 'broadcast' or 'consistent_hash' (by
        ``hash(msg)``); `strategy` and `intensity` (at most N restarts within
        S seconds) as for a supervisor; an `idempotent` pool sends the
        requests of a worker that died to another (at most
        `max_redispatches` times), else they fail with WorkerFailed.
        `max_in_flight_per_worker` (0: unlimited) is how many requests one
        worker may hold at a time; the rest wait in the pool's queue."""
        max_restarts, within = intensity
        settings = _ringactor.PoolSettings(
            name, size, dispatch, bool(idempotent), strategy, max_restarts, float(within),
            max_redispatches, queue_capacity, float(queue_timeout), float(worker_timeout),
            min_live_workers, max_in_flight_per_worker)
        if isinstance(factory, str):
            if kind is None:
                kind = "kernel" if _ringactor.pool_factory_names("kernel", factory) else "actor"
            return Pool(self._sys.spawn_named_pool(kind, factory, settings))
        if kind is not None:
            raise ValueError("spawn_pool: kind applies to a registered C++ type's name only")
        return Pool(self._sys.spawn_pool(worker_maker(factory), settings))

    def supervisor(self, children, strategy="one_for_one", intensity=(3, 5.0), name="supervisor"):
        """A supervisor of `children` (``ra.child(name, actor, restart=...)``)
        started in order: `strategy` 'one_for_one', 'one_for_all' or
        'rest_for_one'; `intensity` (N, S): more than N restarts within S
        seconds and it gives up (stops its children and exits with
        restart_intensity_exceeded)."""
        max_restarts, within = intensity
        specs = [(c.name, worker_maker(c.actor), c.restart, c.shutdown) for c in children]
        return Supervisor(self._sys.spawn_supervisor(name, strategy, max_restarts, float(within),
                                                     specs))

    def lookup(self, name):
        """The actor registered under `name` (by C++ or by register), or None."""
        return self._sys.lookup(name)

    def register(self, name, handle):
        """Registers `handle` under `name`: C++ code finds it with
        ``sys.registry().get<actor>(name)``. A Pool or Supervisor registers
        its handle."""
        self._sys.register(name, getattr(handle, "handle", handle))

    def unregister(self, name):
        return self._sys.unregister(name)

    def monitor(self, watcher, handle):
        """`watcher` (a handle, or a callable that gets the DownMsg) learns
        when `handle` exits. Returns the watcher's handle."""
        if not isinstance(watcher, Handle):
            callback = watcher

            def once(msg):
                callback(msg)
                _ringactor.quit()

            watcher = self.spawn(once)
            self._watchers.append(watcher)
        _ringactor.monitor(watcher, handle)
        return watcher

    def link(self, a, b):
        """Links two actors (see Handle.link)."""
        _ringactor.link(a, b)

    # -- lifetime ---------------------------------------------------------------

    @property
    def stopping(self):
        return self._sys.stopping

    @property
    def workers(self):
        return self._sys.workers

    def shutdown(self, timeout=None):
        """Asks every actor to exit and waits for them up to `timeout`
        seconds (None: the configured ``system.shutdown_grace``), then kills
        the rest; requests in flight fail. Waits without the GIL; returns
        within about the timeout plus half a second even when a handler
        never returns. Idempotent."""
        self._watchers.clear()
        self._sys.shutdown(timeout)
        with _live_lock:
            _live.discard(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.shutdown()
        return False


# -- handle methods written in Python ------------------------------------------


def _monitor(self, watcher):
    """`watcher` (a handle, or a callable) gets a DownMsg when this actor
    exits."""
    if isinstance(watcher, Handle):
        _ringactor.monitor(watcher, self)
        return watcher
    raise TypeError("Handle.monitor takes a watcher handle; for a callback use "
                    "ActorSystem.monitor(callback, handle)")


def _link(self, other):
    """Links this actor and `other`: when one exits abnormally, the other
    exits with the same reason (unless it traps exits)."""
    _ringactor.link(self, other)


Handle.ask = aio.ask
Handle.monitor = _monitor
Handle.link = _link


@atexit.register
def _shutdown_all():
    with _live_lock:
        systems = list(_live)
    for s in systems:
        s.shutdown()
    # A worker that a shutdown detached (its handler outlived the grace
    # period) may still be in Python: no runtime thread enters it from now
    # on, and those inside get a bounded time to leave before finalization.
    _ringactor._quiesce(5.0)
