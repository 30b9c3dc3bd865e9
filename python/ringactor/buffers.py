"""Arrays to kernels and back: ``DeviceBuffer`` (``_ringactor.DeviceBuffer``).

    buf = ra.to_device_buffer(frame, dtype="float32", ndim=1)  # no copy (CPU backend)
    ...                                                          # a kernel works on it
    out = np.from_dlpack(buf)                                   # the same memory, no copy

Zero-copy rule: on the CPU backend the buffer is the array's own memory (its
``data_ptr`` is the array's address); a kernel's writes are the array's.
Lifetime rule: the buffer keeps the array alive until it is released
(``release()``, collected, or handed to a DLPack consumer such as
``np.from_dlpack``, which then owns it); keep it until the kernel answered.
An array whose dtype, rank or layout the kernel cannot take raises TypeError
before anything is adopted. With ``device="cuda"`` the array is copied once
into device memory instead (CUDA backend), and ``to_host()`` copies back.
"""

import _ringactor

DeviceBuffer = getattr(_ringactor, "DeviceBuffer", None)


def _dtype_name(dtype):
    if dtype is None or isinstance(dtype, str):
        return dtype
    import numpy  # only for a NumPy dtype object or scalar type

    return str(numpy.dtype(dtype))


def to_device_buffer(array, dtype=None, ndim=None, device="cpu"):
    """A DeviceBuffer over `array` (``__dlpack__``, else the buffer protocol),
    without a copy. `dtype` ("float32", numpy.float32, ...) and `ndim`, when
    given, are what the kernel takes: anything else raises TypeError, as do
    a non-contiguous layout and memory off the host.

    ``device="cuda"`` (or ``"cuda:N"``) copies the array once into that CUDA
    device's memory, for kernels of the CUDA backend, and lets the array go
    once the copy is done; ValueError when this process has no such device
    (the CUDA backend not linked in, no driver, no device). NumPy cannot read
    device memory: ``np.from_dlpack`` of such a buffer raises BufferError, and
    ``buf.to_host()`` copies it back (one copy) into a buffer it can read."""
    if DeviceBuffer is None:
        raise RuntimeError("ringactor was built without DLPack (libdlpack-dev): no DeviceBuffer")
    return DeviceBuffer.from_array(array, _dtype_name(dtype), ndim, device)
