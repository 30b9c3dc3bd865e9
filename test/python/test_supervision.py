"""Supervision from Python (issue 23, item 5): pools of Python workers and
of C++ kernel or actor workers spawned by registered name, their
statistics, and supervisors of Python children."""

import asyncio
import threading
import time

import pytest

import ringactor as ra

REQUESTS = 100


class TenthRaises:
    """Doubles what it gets, and raises on its every 10th message (a fresh
    instance, so a fresh count, after each restart)."""

    def __init__(self):
        self.seen = 0

    def receive(self, msg):
        self.seen += 1
        if self.seen % 10 == 0:
            raise RuntimeError(f"message {self.seen} of this worker")
        return 2 * msg


def request_all(pool, n):
    replies = errors = 0
    kinds = set()
    for i in range(n):
        try:
            assert pool.request(i, timeout=5.0) == 2 * i
            replies += 1
        except ra.RingactorError as e:
            errors += 1
            kinds.add(type(e))
    return replies, errors, kinds


def test_a_pool_of_python_workers_raising_on_every_tenth_message_answers_each_request_once(
        system):
    pool = system.spawn_pool(TenthRaises, size=4, dispatch="least_loaded", idempotent=False,
                             intensity=(1000, 10.0))
    replies, errors, kinds = request_all(pool, REQUESTS)
    assert replies + errors == REQUESTS
    assert errors > 0
    assert kinds == {ra.WorkerFailed}
    stats = pool.stats()
    assert isinstance(stats, ra.PoolStats)
    assert stats.served == replies
    assert stats.failed == errors
    assert stats.restarts == errors  # each failure was a worker's death, restarted


def test_an_idempotent_pool_of_workers_raising_on_every_tenth_message_has_no_errors(system):
    pool = system.spawn_pool(TenthRaises, size=4, dispatch="least_loaded", idempotent=True,
                             intensity=(1000, 10.0), max_redispatches=20)
    replies, errors, _ = request_all(pool, REQUESTS)
    assert (replies, errors) == (REQUESTS, 0)
    stats = pool.stats()
    assert stats.served == REQUESTS
    assert stats.failed == 0
    assert stats.restarts > 0
    assert stats.redispatched == stats.restarts
    assert len(stats.workers) == 4
    assert all(w.running for w in stats.workers)
    assert sum(w.starts for w in stats.workers) == 4 + stats.restarts


def test_a_python_pool_takes_python_objects_unconverted_over_send_request_and_ask(system):
    got = []
    done = threading.Event()

    def worker(msg):
        if isinstance(msg, tuple) and msg[0] == "note":
            got.append(msg[1])
            done.set()
            return None
        return {"echo": msg, "kind": type(msg).__name__}

    pool = system.spawn_pool(worker, size=2, dispatch="round_robin")
    obj = object()
    assert pool.request([1, "two", obj], timeout=2.0) == {"echo": [1, "two", obj],
                                                          "kind": "list"}

    async def asks():
        return await asyncio.gather(*[pool.ask((i, i), timeout=2.0) for i in range(50)])

    assert [r["echo"] for r in asyncio.run(asks())] == [(i, i) for i in range(50)]
    pool.send(("note", "sent"))
    assert done.wait(5.0)
    assert got == ["sent"]


def test_a_pool_resizes_and_its_stats_show_the_workers(system):
    pool = system.spawn_pool(lambda m: m, size=2)
    assert len(pool.stats().workers) == 2
    pool.resize(5)
    assert len(pool.stats().workers) == 5
    pool.resize(1, timeout=5.0)
    assert len(pool.stats().workers) == 1


def test_a_pools_max_in_flight_per_worker_shows_in_its_stats_and_holds_requests_back(system):
    release = threading.Event()

    def held(msg):
        release.wait(10.0)
        return msg

    limited = system.spawn_pool(held, size=1, max_in_flight_per_worker=1, queue_timeout=10.0)
    assert limited.stats().max_in_flight_per_worker == 1
    replies = []
    callers = [threading.Thread(target=lambda i=i: replies.append(limited.request(i, 10.0)))
               for i in range(2)]
    for c in callers:
        c.start()
    try:
        # The one worker holds one request; the other waits in the pool.
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            stats = limited.stats()
            if stats.workers[0].in_flight == 1 and stats.queued == 1:
                break
            time.sleep(0.01)
        assert (stats.workers[0].in_flight, stats.queued) == (1, 1)
    finally:
        release.set()
        for c in callers:
            c.join(10.0)
    assert sorted(replies) == [0, 1]
    # Without the setting: 0, unlimited.
    assert system.spawn_pool(lambda m: m, size=1).stats().max_in_flight_per_worker == 0


def test_a_pool_of_cpp_kernel_workers_is_requested_from_python_by_registered_name(
        system, testing):
    testing.register_pool_factories()
    pool = system.spawn_pool("adder", size=3, dispatch="round_robin")
    for i in range(30):
        assert pool.request(ra.types.kernels.add(a=i, b=1), timeout=2.0) == i + 1
    stats = pool.stats()
    assert stats.served == 30
    assert [w.served for w in stats.workers] == [10, 10, 10]
    # Registered, C++ code finds it like any pool.
    system.register("adders", pool)
    assert system.lookup("adders") == pool.handle


def test_a_pool_of_cpp_actors_by_registered_name_answers_typed_requests(system, testing):
    testing.register_pool_factories()
    pool = system.spawn_pool("scorer", kind="actor", size=2, dispatch="consistent_hash")
    reply = pool.request(ra.types.shop.order(id=7, qty=2, tags=["gold"]), timeout=2.0)
    assert (reply.order_id, reply.value, reply.grade) == (7, 3.0, "gold")
    assert pool.stats().served == 1


def test_an_unregistered_pool_type_or_a_bad_setting_raises_naming_it(system, testing):
    testing.register_pool_factories()
    with pytest.raises(ra.RingactorError, match="adderr"):
        system.spawn_pool("adderr", kind="kernel")
    with pytest.raises(ValueError, match="dispatch"):
        system.spawn_pool(lambda m: m, dispatch="fastest")
    with pytest.raises(ValueError, match="strategy"):
        system.spawn_pool(lambda m: m, strategy="one_for_some")
    with pytest.raises(TypeError):
        system.spawn_pool(42)


def test_a_supervisor_restarts_a_python_child_that_raised(system):
    class Child:
        def receive(self, msg):
            if msg == "boom":
                raise ValueError("boom")
            return msg + 1

    sup = system.supervisor(children=[ra.child("worker", Child)], strategy="one_for_one",
                            intensity=(5, 10.0))
    first = sup.child("worker")
    assert first.request(1, timeout=2.0) == 2
    with pytest.raises(ra.ActorExited, match="boom"):
        first.request("boom", timeout=2.0)
    counts = None
    for _ in range(200):  # the restart is asynchronous: bounded polling
        counts = sup.counts()
        if counts.restarts == 1 and counts.running == 1:
            break
        threading.Event().wait(0.01)
    assert (counts.specs, counts.running, counts.restarts) == (1, 1, 1)
    info = sup.children()[0]
    assert (info.name, info.restart, info.starts) == ("worker", "permanent", 2)
    assert info.handle != first
    assert info.handle.request(41, timeout=2.0) == 42


def test_a_supervisor_gives_up_past_its_intensity(system):
    def fragile(msg):
        raise RuntimeError("always")

    sup = system.supervisor(children=[ra.child("fragile", fragile)], intensity=(2, 10.0))
    down = threading.Event()
    reasons = []

    def on_down(msg):
        reasons.append(msg.reason)
        down.set()

    system.monitor(on_down, sup.handle)
    for _ in range(10):  # bounded: the third death ends the supervisor
        try:
            h = sup.child("fragile", timeout=2.0)
            if h is not None:
                h.request(0, timeout=2.0)
        except ra.RingactorError:
            pass  # the child raised, or the supervisor is gone already
        if down.wait(0.05):
            break
    assert down.wait(5.0)
    assert "restart" in str(reasons[0])
