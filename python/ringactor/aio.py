"""asyncio glue: ``await handle.ask(msg, timeout)``.

An ask is a callback request (libactor's callback_request): no actor is
spawned and no thread waits. The thread that completes the request (the
receiver's worker, a kernel's completion thread, the timer thread for a
timeout) takes the GIL only to hand the outcome to the loop with
``loop.call_soon_threadsafe``; the future is completed on the loop.
"""

import asyncio


def _complete(future, ok, value):
    if future.done():  # cancelled (asyncio.wait_for timed out first)
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)


async def ask(handle, msg, timeout=1.0):
    """The reply to `msg` from `handle` on the running asyncio loop; raises
    the request's RingactorError (RequestTimeout after `timeout` seconds;
    None: no limit)."""
    loop = asyncio.get_running_loop()
    future = loop.create_future()
    handle._ask(msg, timeout, loop, future, _complete)
    return await future
