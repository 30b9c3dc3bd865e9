"""NumPy arrays to kernels and back (issue 23 item 6): an array becomes a
device buffer without a copy on the CPU backend, a kernel scales it, and
np.from_dlpack reads the buffer back without a copy; what the kernel cannot
take raises TypeError before anything is sent."""

import array
import gc
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
