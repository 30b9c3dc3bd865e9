"""Requests between Python and C++ (and kernel) actors: request, ask,
lookup, register, errors."""

import asyncio

import pytest

import ringactor as ra


def test_a_cpp_actor_requested_from_python_answers_with_an_object_of_its_class(scorer):
    reply = scorer.request(ra.types.shop.order(id=7, qty=3, tags=["gold"]), timeout=1.0)
    assert isinstance(reply, ra.types.shop.score)
    assert (reply.order_id, reply.value, reply.grade) == (7, 4.5, "gold")


def test_a_kernel_actor_on_the_cpu_backend_is_requested_from_python(system, testing):
    testing.spawn_adder_kernel(system._sys, "adder")
    adder = system.lookup("adder")
    assert adder.request(ra.types.kernels.add(a=40, b=2), timeout=2.0) == 42


def test_a_python_actor_is_requested_from_cpp(system, testing):
    doubler = system.spawn(lambda msg: 2 * msg)
    system.register("doubler", doubler)
    testing.spawn_asker(system._sys, "asker", "doubler")
    assert system.lookup("asker").request(21, timeout=2.0) == 42


def test_a_python_handler_returning_none_answers_a_cpp_void_request(system, testing):
    seen = []
    system.register("sink", system.spawn(lambda msg: seen.append(msg)))
    testing.spawn_asker(system._sys, "asker", "sink")
    assert system.lookup("asker").request("hello", timeout=2.0) == "unit"
    assert seen == ["hello"]


def test_lookup_finds_cpp_actors_and_register_makes_python_actors_findable(system, scorer):
    assert system.lookup("scorer") == scorer
    assert system.lookup("nobody") is None
    echo = system.spawn(lambda msg: msg)
    system.register("echo", echo)
    again = system.lookup("echo")
    assert again == echo and hash(again) == hash(echo) and again is not echo
    assert len({echo, again, scorer}) == 2


def test_send_delivers_without_a_reply(system):
    got = []
    done = system.spawn(lambda msg: msg)
    collector = system.spawn(lambda msg: got.append(msg))
    for i in range(5):
        collector.send(i)
    # Mailboxes keep order: the request after the sends sees all of them.
    collector.request("sync", timeout=2.0)
    assert got == [0, 1, 2, 3, 4, "sync"]
    assert done.request(1) == 1


def test_a_request_to_a_dead_actor_raises_dead_receiver(system):
    def once(msg):
        ra.quit()
        return msg

    a = system.spawn(once)
    assert a.request(1, timeout=1.0) == 1
    with pytest.raises(ra.DeadReceiver) as info:
        a.request(2, timeout=1.0)
    assert info.value.category == "sec" and info.value.code == ra._ringactor.sec_codes[
        "dead_receiver"]


def test_a_request_without_a_reply_in_time_raises_request_timeout(system):
    import time

    slow = system.spawn(lambda msg: time.sleep(0.5))
    with pytest.raises(ra.RequestTimeout) as info:
        slow.request(1, timeout=0.05)
    assert info.value.code == ra._ringactor.sec_codes["request_timeout"]
    assert "timed out" in info.value.message


def test_a_message_the_cpp_actor_has_no_handler_for_raises_unexpected_message(scorer):
    with pytest.raises(ra.UnexpectedMessage) as info:
        scorer.request(5, timeout=1.0)
    assert isinstance(info.value, ra.RingactorError)


def test_ten_thousand_concurrent_asks_all_complete(system, scorer):
    doubler = system.spawn(lambda msg: 2 * msg)

    async def run():
        replies = await asyncio.gather(*[doubler.ask(i, timeout=30.0) for i in range(10_000)])
        scores = await asyncio.gather(
            *[scorer.ask(ra.types.shop.order(id=i, qty=2, tags=[]), timeout=30.0)
              for i in range(100)])
        return replies, scores

    replies, scores = asyncio.run(asyncio.wait_for(run(), 60))
    assert replies == [2 * i for i in range(10_000)]
    assert [s.order_id for s in scores] == list(range(100))


def test_an_ask_raises_the_requests_error(system):
    import time

    slow = system.spawn(lambda msg: time.sleep(0.5))

    async def run():
        with pytest.raises(ra.RequestTimeout):
            await slow.ask(1, timeout=0.05)

    asyncio.run(asyncio.wait_for(run(), 10))


def test_a_request_blocks_without_the_gil(system):
    import threading
    import time

    slow = system.spawn(lambda msg: time.sleep(0.3) or msg)
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.01)

    t = threading.Thread(target=ticker)
    t.start()
    assert slow.request(7, timeout=2.0) == 7
    stop.set()
    t.join(5)
    assert len(ticks) >= 5  # the other thread ran while the request waited
