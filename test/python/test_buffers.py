"""NumPy arrays to kernels and back (issue 23 item 6): an array becomes a
device buffer without a copy on the CPU backend, a kernel scales it, and
np.from_dlpack reads the buffer back without a copy; what the kernel cannot
take raises TypeError before anything is sent."""

import array
import gc
import os
import subprocess
import sys as _sys
import weakref

import pytest

import ringactor as ra

np = pytest.importorskip("numpy")  # python3-numpy
if ra.DeviceBuffer is None:  # a build without DLPack's header
    pytest.skip("ringactor was built without DLPack", allow_module_level=True)
import _ringactor_buffers_testing as _testing  # noqa: E402


def address(a):
    return a.__array_interface__["data"][0]


@pytest.fixture
def scaler(system):
    _testing.spawn_scaler(system._sys, "scaler")
    return "scaler"


def test_a_million_float32_are_scaled_by_a_kernel_and_read_back_without_a_copy(system, scaler):
    frame = np.arange(1_000_000, dtype=np.float32) % 1000
    ptr = address(frame)
    buf = ra.to_device_buffer(frame, dtype=np.float32, ndim=1)
    assert buf.data_ptr == ptr  # the kernel works on the array's memory
    assert buf.size == 1_000_000 and buf.dtype == "float32"
    assert _testing.scale(system._sys, scaler, buf, 2.0) == 1_000_000
    out = np.from_dlpack(buf)
    assert address(out) == ptr  # and NumPy reads it back in place
    assert out.shape == (1_000_000,) and out.dtype == np.float32
    expect = (np.arange(1_000_000, dtype=np.float32) % 1000) * 2
    assert np.array_equal(out, expect)
    assert np.array_equal(frame, expect)
    assert buf.released  # handed to NumPy: the buffer is empty


def test_the_array_is_kept_alive_until_the_buffer_is_released(system, scaler):
    class Arr(np.ndarray):
        pass  # a weakly referenceable array

    a = np.ones(1000, dtype=np.float32).view(Arr)
    gone = weakref.ref(a)
    refs = _sys.getrefcount(a)
    buf = ra.to_device_buffer(a, dtype="float32")
    assert _sys.getrefcount(a) > refs
    del a
    gc.collect()
    assert gone() is not None  # the buffer holds it
    assert _testing.scale(system._sys, scaler, buf, 3.0) == 1000
    assert np.all(gone() == 3.0)
    buf.release()
    gc.collect()
    assert gone() is None
    assert buf.released


def test_an_array_read_back_keeps_the_memory_after_the_source_names_are_gone(system, scaler):
    buf = ra.to_device_buffer(np.full(10, 2.0, dtype=np.float32))
    _testing.scale(system._sys, scaler, buf, 5.0)
    out = np.from_dlpack(buf)
    del buf
    gc.collect()
    assert np.array_equal(out, np.full(10, 10.0, dtype=np.float32))


def test_an_object_with_the_buffer_protocol_is_adopted_without_a_copy(system, scaler):
    arr = array.array("f", [1.0, 2.0, 3.0])
    ptr, _ = arr.buffer_info()
    buf = ra.to_device_buffer(arr, dtype="float32", ndim=1)
    assert buf.data_ptr == ptr
    _testing.scale(system._sys, scaler, buf, 2.0)
    buf.release()
    assert list(arr) == [2.0, 4.0, 6.0]


def test_a_wrong_dtype_raises_type_error_before_anything_is_sent(system, scaler):
    a = np.ones(8, dtype=np.float64)
    with pytest.raises(TypeError, match="float64"):
        ra.to_device_buffer(a, dtype=np.float32)
    # A buffer of another dtype than the kernel's is refused before the request.
    buf = ra.to_device_buffer(np.ones(8, dtype=np.int32))
    with pytest.raises(TypeError, match="int32"):
        _testing.scale(system._sys, scaler, buf, 2.0)
    assert np.all(np.from_dlpack(buf) == 1)


def test_a_non_contiguous_array_raises_type_error(system):
    a = np.ones((10, 10), dtype=np.float32)
    with pytest.raises(TypeError, match="contiguous"):
        ra.to_device_buffer(a[:, ::2])
    with pytest.raises(TypeError, match="contiguous"):
        ra.to_device_buffer(a.T)
    with pytest.raises(TypeError, match="contiguous"):
        ra.to_device_buffer(memoryview(array.array("f", range(10)))[::2])
    assert a.flags.writeable  # the refused array is untouched and free


def test_a_wrong_rank_raises_type_error(system):
    with pytest.raises(TypeError, match="2 dimensions"):
        ra.to_device_buffer(np.ones((4, 4), dtype=np.float32), ndim=1)


def test_something_that_is_not_an_array_raises_type_error(system):
    with pytest.raises(TypeError):
        ra.to_device_buffer(object())
    with pytest.raises(TypeError):
        ra.to_device_buffer(b"read only bytes")


def test_a_released_buffer_cannot_be_read_or_sent(system, scaler):
    buf = ra.to_device_buffer(np.ones(4, dtype=np.float32))
    buf.release()
    with pytest.raises(BufferError):
        buf.__dlpack__()
    with pytest.raises(ValueError):
        _testing.scale(system._sys, scaler, buf, 2.0)


# -- device buffers inside messages (ringactor.types, in-process types) ------


def test_a_numpy_array_in_a_message_field_is_scaled_by_a_kernel_without_a_copy(system, scaler):
    frame = np.arange(1_000_000, dtype=np.float32) % 1000
    msg = ra.types.buffers_testing.scale(buf=frame, factor=2.0)
    assert isinstance(msg.buf, ra.DeviceBuffer)  # converted when the object was made
    assert msg.buf.data_ptr == address(frame)
    kernel = system.lookup(scaler)
    assert kernel.request(msg, timeout=10.0) == 1_000_000
    expect = (np.arange(1_000_000, dtype=np.float32) % 1000) * 2
    assert np.array_equal(frame, expect)  # the kernel wrote the array's own memory
    out = np.from_dlpack(msg.buf)  # and NumPy reads the message's buffer in place
    assert address(out) == address(frame) and np.array_equal(out, expect)


def test_a_device_buffer_in_a_reply_comes_back_as_a_device_buffer_numpy_reads(system):
    _testing.spawn_viewer(system._sys, "viewer")
    frame = np.ones(1000, dtype=np.float32)
    buf = ra.to_device_buffer(frame, dtype="float32", ndim=1)
    reply = system.lookup("viewer").request(ra.types.buffers_testing.scale(buf=buf, factor=3.0),
                                            timeout=10.0)
    assert type(reply) is ra.types.buffers_testing.scaled and reply.n == 1000
    assert isinstance(reply.buf, ra.DeviceBuffer) and reply.buf.dtype == "float32"
    out = np.from_dlpack(reply.buf)  # a view: the request's buffer owns the memory
    assert address(out) == address(frame) and np.all(out == 3.0)
    assert not buf.released


def test_a_message_field_of_the_wrong_dtype_or_layout_raises_type_error_before_sending():
    scale = ra.types.buffers_testing.scale
    with pytest.raises(TypeError, match=r"buffers_testing\.scale: field 'buf' expects "
                                        r"device_buffer<f32>: .*float64"):
        scale(buf=np.ones(10), factor=1.0)
    with pytest.raises(TypeError, match=r"field 'buf' .*not C-contiguous"):
        scale(buf=np.ones(20, dtype=np.float32)[::2], factor=1.0)
    with pytest.raises(TypeError, match=r"field 'buf' .*dimensions"):
        scale(buf=np.ones((2, 2), dtype=np.float32), factor=1.0)
    with pytest.raises(TypeError, match=r"field 'buf' .*the buffer holds int32, not float32"):
        scale(buf=ra.to_device_buffer(np.ones(4, dtype=np.int32)), factor=1.0)
    with pytest.raises(TypeError, match=r"field 'factor' expects f32"):
        scale(buf=np.ones(4, dtype=np.float32), factor="two")


def test_a_message_with_a_device_buffer_never_has_a_wire_form(system):
    # The registry knows the type by name but has no codec for it: neither
    # the service's JSON nor a remote node's binary form can carry the address.
    assert _testing.wire_codecs("buffers_testing.scale") == (False, False)
    assert not ra._ringactor.typed_path("buffers_testing.scale")
    msg = ra.types.buffers_testing.scale(buf=np.ones(4, dtype=np.float32), factor=1.0)
    with pytest.raises(TypeError, match="no JSON form"):
        system.publish(msg)


# -- CUDA: one copy to the device (runs only where a CUDA device is) ---------

# The CUDA backend lives in libringactor-cuda, which an application's kernel
# extension links; the test loads it (RINGACTOR_CUDA_LIBRARY, set by
# test/python/meson.build in a build with CUDA) in a child interpreter, so
# that no other test of this process sees a CUDA backend.
_CUDA_CHECK = r"""
import ctypes, os, sys
import numpy as np
ctypes.CDLL(os.environ["RINGACTOR_CUDA_LIBRARY"], mode=ctypes.RTLD_GLOBAL)
import ringactor as ra
frame = np.arange(1000, dtype=np.float32)
try:
    buf = ra.to_device_buffer(frame, dtype="float32", ndim=1, device="cuda")
except ValueError as e:
    print("NO DEVICE:", e)
    sys.exit(0)
assert buf.data_ptr == 0, "device memory has no host address"
assert buf.__dlpack_device__()[0] == 2, "kDLCUDA"
try:
    np.from_dlpack(buf)
    raise SystemExit("np.from_dlpack read CUDA memory")
except BufferError as e:
    assert "to_host" in str(e), e
assert np.array_equal(np.from_dlpack(buf.to_host()), frame)
print("CUDA OK")
"""


def test_a_cuda_device_this_process_does_not_have_raises_value_error_naming_it():
    with pytest.raises(ValueError, match=r"device is 'cpu', 'cuda' or 'cuda:N', not 'tpu'"):
        ra.to_device_buffer(np.ones(4, dtype=np.float32), device="tpu")
    with pytest.raises(ValueError, match=r"no device index in 'cuda:x'"):
        ra.to_device_buffer(np.ones(4, dtype=np.float32), device="cuda:x")
    # This process never loads the CUDA backend (the test below does, in a child).
    with pytest.raises(ValueError, match=r"no CUDA backend .*'cuda' is not available"):
        ra.to_device_buffer(np.ones(4, dtype=np.float32), device="cuda")


def test_to_host_copies_a_buffer_into_memory_numpy_reads():
    frame = np.arange(8, dtype=np.float32)
    buf = ra.to_device_buffer(frame, dtype="float32")
    copy = buf.to_host()
    out = np.from_dlpack(copy)
    assert np.array_equal(out, frame) and address(out) != address(frame)
    assert not buf.released


@pytest.mark.skipif("RINGACTOR_CUDA_LIBRARY" not in os.environ,
                    reason="a build without CUDA: no libringactor-cuda to load")
def test_an_array_goes_to_a_cuda_device_in_one_copy_and_comes_back_through_to_host():
    out = subprocess.run([_sys.executable, "-c", _CUDA_CHECK], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    if out.stdout.startswith("NO DEVICE:"):
        pytest.skip("no CUDA device here: " + out.stdout.strip())
    assert "CUDA OK" in out.stdout
