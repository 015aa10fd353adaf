"""A small thread-safe LRU for computed results, each entry valid only for its data stamp."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any


class ResultCache:
    """Maps key -> (stamp, value, checked_at); a lookup with a different stamp is a miss.

    `fresh` serves an entry whose stamp was confirmed against the database less than `max_age_s`
    ago without asking the database again; `lock_for` lets one request compute a missing entry
    while concurrent requests for the same key wait for it instead of recomputing it.
    """

    def __init__(self, maxsize: int = 256) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[Hashable, tuple[Any, Any, float]] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[Hashable, threading.Lock] = {}

    def fresh(self, key: Hashable, max_age_s: float) -> Any | None:
        """The value if its stamp was confirmed within `max_age_s`, else None."""
        if max_age_s <= 0:
            return None
        with self._lock:
            item = self._items.get(key)
            if item is None or time.monotonic() - item[2] >= max_age_s:
                return None
            self._items.move_to_end(key)
            return item[1]

    def get(self, key: Hashable, stamp: Any) -> Any | None:
        """The value if it was computed for `stamp` (which also marks it freshly confirmed)."""
        with self._lock:
            item = self._items.get(key)
            if item is None or item[0] != stamp:
                return None
            self._items[key] = (item[0], item[1], time.monotonic())
            self._items.move_to_end(key)
            return item[1]

    def put(self, key: Hashable, stamp: Any, value: Any) -> None:
        with self._lock:
            self._items[key] = (stamp, value, time.monotonic())
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                old, _ = self._items.popitem(last=False)
                self._key_locks.pop(old, None)

    def lock_for(self, key: Hashable) -> threading.Lock:
        """One lock per key: the single flight that computes a missing entry."""
        with self._lock:
            return self._key_locks.setdefault(key, threading.Lock())

    def invalidate(self, predicate: Any) -> None:
        """Drop every entry whose key satisfies `predicate` (e.g. a deleted experiment's)."""
        with self._lock:
            for key in [k for k in self._items if predicate(k)]:
                del self._items[key]
