"""Python actors: functions and classes, become and quit, monitors, links,
exit messages, failures."""

import queue

import pytest

import ringactor as ra


class Counter(ra.Actor):
    def __init__(self):
        self.total = 0

    def receive(self, msg):
        self.total += msg
        return self.total


def test_a_class_actor_keeps_its_state_between_messages(system):
    c = system.spawn(Counter)
    assert [c.request(i, timeout=1.0) for i in (1, 2, 3)] == [1, 3, 6]


def test_an_object_with_call_is_a_handler(system):
    class Echo:
        def __call__(self, msg):
            return ("echo", msg)[1]

    assert system.spawn(Echo()).request("x", timeout=1.0) == "x"


def test_become_replaces_the_handler_and_quit_ends_the_actor(system):
    def loud(msg):
        if msg == "quiet":
            ra.become(quiet)
            return "ok"
        return msg.upper()

    def quiet(msg):
        if msg == "bye":
            ra.quit()
            return "bye"
        return msg.lower()

    a = system.spawn(loud)
    assert a.request("Hi", timeout=1.0) == "HI"
    assert a.request("quiet", timeout=1.0) == "ok"
    assert a.request("Hi", timeout=1.0) == "hi"
    assert a.request("bye", timeout=1.0) == "bye"
    with pytest.raises(ra.DeadReceiver):
        a.request("Hi", timeout=1.0)


def test_self_become_and_handle_work_in_a_class_actor(system):
    class Switch(ra.Actor):
        def receive(self, msg):
            self.become(self.off)
            return self.handle.id

        def off(self, msg):
            self.quit()
            return "off"

    s = system.spawn(Switch)
    assert s.request(1, timeout=1.0) == s.id
    assert s.request(1, timeout=1.0) == "off"


def test_become_outside_a_handler_raises():
    with pytest.raises(ValueError, match="inside a Python actor"):
        ra.become(lambda m: m)


def test_a_monitor_sees_down_msg_with_the_exception_text(system):
    downs = queue.Queue()

    def fail(msg):
        raise RuntimeError(f"boom {msg}")

    a = system.spawn(fail)
    system.monitor(downs.put, a)
    with pytest.raises(ra.ActorExited, match="boom 1"):
        a.request(1, timeout=1.0)
    down = downs.get(timeout=5)
    assert isinstance(down, ra.DownMsg)
    assert down.source == a
    assert isinstance(down.reason, ra.ActorExited)
    assert "RuntimeError: boom 1" in down.reason.message
    assert down.reason.code == ra._ringactor.exit_codes["unhandled_exception"]


def test_a_python_watcher_actor_gets_down_msg_for_a_normal_exit(system):
    downs = queue.Queue()
    watcher = system.spawn(downs.put)
    a = system.spawn(lambda msg: ra.quit())
    a.monitor(watcher)
    a.send("stop")
    down = downs.get(timeout=5)
    assert down.source == a and down.reason is None


def test_a_link_propagates_an_abnormal_exit(system):
    downs = queue.Queue()

    def fail(msg):
        raise ValueError("linked failure")

    a = system.spawn(fail)
    b = system.spawn(lambda msg: msg)
    a.link(b)
    system.monitor(downs.put, b)
    a.send(1)
    down = downs.get(timeout=5)
    assert down.source == b
    assert "linked failure" in down.reason.message
    with pytest.raises(ra.RingactorError):
        b.request(1, timeout=1.0)


def test_an_actor_that_traps_exits_gets_exit_msg(system):
    exits = queue.Queue()

    class Trapper(ra.Actor):
        trap_exit = True

        def receive(self, msg):
            if isinstance(msg, ra.ExitMsg):
                exits.put(msg)
            return msg

    t = system.spawn(Trapper)
    a = system.spawn(lambda msg: 1 / 0)
    system.link(a, t)
    a.send(1)
    msg = exits.get(timeout=5)
    assert msg.source == a and "ZeroDivisionError" in msg.reason.message
    assert t.request(5, timeout=1.0) == 5  # it lives on


def test_send_exit_ends_an_actor(system):
    downs = queue.Queue()
    a = system.spawn(lambda msg: msg)
    system.monitor(downs.put, a)
    a.send_exit("kill")
    down = downs.get(timeout=5)
    assert down.source == a and down.reason.code == ra._ringactor.exit_codes["kill"]
    assert a.exited


def test_a_python_actor_requests_a_cpp_actor_from_its_handler(system, scorer):
    def forward(msg):
        return scorer.request(ra.types.shop.order(id=msg, qty=2, tags=[]), timeout=1.0).value

    assert system.spawn(forward).request(3, timeout=2.0) == 3.0


def test_a_cpp_supervisor_restarts_a_python_actor_that_raised(system, testing):
    children = queue.Queue()

    def flaky(msg):
        if msg == "fail":
            raise RuntimeError("asked to fail")
        return msg

    def factory():
        h = system.spawn(flaky)
        children.put(h)
        return h

    sup = testing.spawn_supervisor(system._sys, factory)
    first = children.get(timeout=5)
    assert first.request(1, timeout=1.0) == 1
    with pytest.raises(ra.ActorExited, match="asked to fail"):
        first.request("fail", timeout=1.0)
    second = children.get(timeout=5)  # the supervisor called the factory again
    assert second != first
    assert second.request(2, timeout=1.0) == 2
    assert not sup.exited


def test_a_python_actors_state_is_released_when_it_ends(system):
    # Dropped on the thread where the actor ends (a worker), with the GIL
    # taken there: its __del__ runs, at once, not at interpreter exit.
    released = queue.Queue()

    class Stateful:
        def receive(self, msg):
            ra.quit()
            return msg

        def __del__(self):
            import threading
            released.put(threading.current_thread().name)

    a = system.spawn(Stateful())
    assert a.request(1, timeout=1.0) == 1
    assert released.get(timeout=5) is not None


def test_a_python_actor_requests_another_python_actor_from_its_handler(system):
    # The inner request waits on the worker without the GIL, so the other
    # worker can take it to run the inner actor's handler.
    inner = system.spawn(lambda msg: msg * 10)
    outer = system.spawn(lambda msg: inner.request(msg, timeout=1.0) + 1)
    assert [outer.request(i, timeout=2.0) for i in range(3)] == [1, 11, 21]
