#!/usr/bin/env python3
"""A small pipeline from Python: frames of number pairs go to the adder
kernel (a C++ kernel actor, here on the CPU backend) as kernels.add
messages, with blocking requests from a Python actor and with asyncio asks,
and a Python actor checks the sums. Then 16 NumPy frames of 64x64 float32
go to a pool of frame kernels (frames.scale: the frame rides in the message
as a device buffer, without a copy on the CPU backend), which scale them in
place and answer with their sums.

Run from a build tree:
  PYTHONPATH=python:build/python:build/examples /usr/bin/python3 examples/python/pipeline.py
"""

import asyncio

import numpy as np

import ringactor as ra
import _example_kernels


class Checker(ra.Actor):
    """A Python actor with state: counts right and wrong sums."""

    def __init__(self):
        self.right = 0
        self.wrong = 0

    def receive(self, msg):
        if msg == "report":
            return [self.right, self.wrong]
        a, b, total = msg
        if a + b == total:
            self.right += 1
        else:
            self.wrong += 1
        return None


def main():
    with ra.ActorSystem(workers=2) as system:
        _example_kernels.spawn_adder(system._sys, "adder")
        adder = system.lookup("adder")
        checker = system.spawn(Checker)
        add = ra.types.kernels.add

        # Stage 1: a Python actor that asks the kernel from its handler
        # (a blocking request inside an actor waits without the GIL).
        # A frame is a flat list of ints, a0, b0, a1, b1, ... (a list crosses
        # to C++ as a std::vector<std::int64_t>).
        def stage(frame):
            for a, b in zip(frame[0::2], frame[1::2]):
                checker.send([a, b, adder.request(add(a=a, b=b), timeout=2.0)])
            return len(frame) // 2

        worker = system.spawn(stage)
        frames = [[x for j in range(10) for x in (i, j)] for i in range(5)]
        handled = sum(worker.request(frame, timeout=10.0) for frame in frames)

        # Stage 2: the same kernel asked concurrently from asyncio.
        async def asks():
            pairs = [(i, 2 * i) for i in range(50)]
            sums = await asyncio.gather(*[adder.ask(add(a=a, b=b), timeout=5.0) for a, b in pairs])
            for (a, b), total in zip(pairs, sums):
                checker.send([a, b, total])
            return len(pairs)

        handled += asyncio.run(asks())
        right, wrong = checker.request("report", timeout=2.0)

        # Stage 3: NumPy frames to a pool of frame kernels, asked from
        # asyncio. Each frame is 64x64 float32; the kernel takes it flat
        # (a 1-D view of the same memory), halves it in place and answers
        # with the new sum.
        pool = system.spawn_pool("frame_scaler", size=2, kind="kernel")
        frames_in = [np.full((64, 64), i + 1, dtype=np.float32) for i in range(16)]
        scale = ra.types.frames.scale

        async def scale_all():
            msgs = [scale(buf=f.reshape(-1), factor=0.5) for f in frames_in]
            return await asyncio.gather(*[pool.ask(m, timeout=5.0) for m in msgs])

        sums = asyncio.run(scale_all())
        in_place = sum(
            1 for i, (f, total) in enumerate(zip(frames_in, sums))
            if np.all(f == (i + 1) * 0.5) and total == 64 * 64 * (i + 1) * 0.5)
        print(f"frames: {len(sums)} frames of 64x64 float32 through a pool of 2 kernels, "
              f"{in_place} scaled in place, sums {sums[0]:.0f} .. {sums[-1]:.0f}")
        print(f"pipeline: {right} of {handled} sums right, {wrong} wrong; "
              f"{in_place} of {len(frames_in)} frames scaled in place")


if __name__ == "__main__":
    main()
