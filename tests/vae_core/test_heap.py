"""large_tensor_heap keeps large CPU blocks in the malloc heap inside, and gives them back after."""

from __future__ import annotations

import os
import platform
import resource

import torch

from vae_core import heap
from vae_core.heap import large_tensor_heap

BIG = 64 * 1024 * 1024  # floats: 256 MiB, far above glibc's largest mmap threshold (32 MiB)
SMALLER = 48 * 1024 * 1024  # 192 MiB: fits in a freed BIG block
PAGES = SMALLER * 4 // os.sysconf("SC_PAGE_SIZE")


def _faults_to_fill(floats: int) -> int:
    """Minor page faults taken while allocating and writing one fresh tensor, then freeing it."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    block = torch.ones(floats)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    del block
    return after - before


def test_the_switch_is_available_on_glibc() -> None:
    is_glibc = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"
    assert heap.available() == is_glibc
    with large_tensor_heap() as active:
        assert active == is_glibc
    with large_tensor_heap(enabled=False) as active:
        assert active is False


def test_a_freed_large_block_is_reused_inside_and_returned_after() -> None:
    assert heap.available()  # the project's machines and CI run glibc (see the test above)
    with large_tensor_heap():
        _faults_to_fill(BIG)  # grows the heap; freeing keeps the pages in it
        reused = _faults_to_fill(SMALLER)
    _faults_to_fill(BIG)  # ordinary regime again: a fresh mmap, unmapped on free
    returned = _faults_to_fill(SMALLER)
    assert reused < PAGES // 10, (reused, PAGES)
    assert returned > PAGES // 2, (returned, PAGES)


def test_nested_switches_stay_on_until_the_outermost_ends() -> None:
    with large_tensor_heap():
        with large_tensor_heap():
            _faults_to_fill(BIG)
        reused = _faults_to_fill(SMALLER)  # the inner exit must not have switched it off
    assert reused < PAGES // 10, (reused, PAGES)
    _faults_to_fill(BIG)
    assert _faults_to_fill(SMALLER) > PAGES // 2
