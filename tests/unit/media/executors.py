"""Executors that run each task in the calling thread, so a test decides what runs when."""

from __future__ import annotations

import functools
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class InlineExecutor(Executor):
    """Runs each task when it is submitted: the helper is always free first. As a real
    executor does, it keeps what a task raises in its future."""

    def __init__(self) -> None:
        self.tasks = 0

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        self.tasks += 1
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:
            future.set_exception(exc)
        return future


class LateExecutor(Executor):
    """Runs each task only when its result is asked for: the caller is always free first."""

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        return _LateFuture(functools.partial(fn, *args, **kwargs))


class _LateFuture(Future[T]):
    def __init__(self, run: Callable[[], T]) -> None:
        super().__init__()
        self._run = run

    def result(self, timeout: float | None = None) -> T:
        if not self.done():
            self.set_result(self._run())
        return super().result(timeout)
