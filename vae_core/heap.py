"""Keep large CPU tensors on the malloc heap while a fused grid trains (glibc only).

PyTorch's CPU allocator is plain malloc. glibc serves any block above its mmap threshold (at
most 32 MiB, however it adapts) with a fresh mmap and returns it to the kernel on free, so every
training step pays page faults, and zeroing by the kernel, for each such block. One model at
batch 250 never crosses the threshold; a fused stack of K = 26 models does with almost every
activation (26·250·4096 floats = 106 MB) and every weight gradient (up to 511 MB). Measured on
the 2-core dev CPU, K = 26 fc: 1.1 M minor page faults and 3.5 s of kernel time per 6.7 s step.

`large_tensor_heap()` switches mmap off and raises the trim threshold for its duration, so freed
blocks stay in the heap and the next step reuses them; on exit it restores an adaptive-like
regime (threshold 32 MiB, trim 64 MiB, the values glibc's own adaptation ends at) and hands
unused heap back to the kernel with malloc_trim. Elsewhere (macOS, musl, CUDA tensors) it does
nothing. Process-wide: nests, but is not meant for threads that want different regimes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["large_tensor_heap"]

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_MMAP_MAX = -4
_TRIM_WHILE_ON = -1  # mallopt takes an int; glibc stores it as size_t, so -1 means never trim
_DEFAULT_MMAP_MAX = 65536  # glibc's DEFAULT_MMAP_MAX
_AFTER_MMAP_THRESHOLD = 32 * 1024 * 1024  # DEFAULT_MMAP_THRESHOLD_MAX on 64-bit
_AFTER_TRIM_THRESHOLD = 2 * _AFTER_MMAP_THRESHOLD  # what glibc's adaptation pairs with it

_lock = threading.Lock()
_depth = 0


def _glibc() -> ctypes.CDLL | None:
    """The C library when it is glibc (has mallopt and malloc_trim), else None."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.gnu_get_libc_version  # noqa: B018 -- present in glibc only
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
    except (OSError, AttributeError):
        return None
    return libc


_LIBC = _glibc()


def available() -> bool:
    """Whether this process's allocator can be tuned (glibc)."""
    return _LIBC is not None


@contextmanager
def large_tensor_heap(enabled: bool = True) -> Iterator[bool]:
    """Serve large blocks from the heap inside the block; yields whether the switch is active."""
    global _depth
    if not enabled or _LIBC is None:
        yield False
        return
    with _lock:
        if _depth == 0:
            _LIBC.mallopt(_M_MMAP_MAX, 0)
            _LIBC.mallopt(_M_TRIM_THRESHOLD, _TRIM_WHILE_ON)
        _depth += 1
    try:
        yield True
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                _LIBC.mallopt(_M_MMAP_MAX, _DEFAULT_MMAP_MAX)
                _LIBC.mallopt(_M_MMAP_THRESHOLD, _AFTER_MMAP_THRESHOLD)
                _LIBC.mallopt(_M_TRIM_THRESHOLD, _AFTER_TRIM_THRESHOLD)
                _LIBC.malloc_trim(0)
