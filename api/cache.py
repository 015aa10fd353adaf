"""A small thread-safe LRU for computed results, each entry valid only for its data stamp."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any


class ResultCache:
    """Maps key -> (stamp, value); a lookup with a different stamp is a miss."""

    def __init__(self, maxsize: int = 256) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[Hashable, tuple[Any, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, stamp: Any) -> Any | None:
        with self._lock:
            item = self._items.get(key)
            if item is None or item[0] != stamp:
                return None
            self._items.move_to_end(key)
            return item[1]

    def put(self, key: Hashable, stamp: Any, value: Any) -> None:
        with self._lock:
            self._items[key] = (stamp, value)
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)
