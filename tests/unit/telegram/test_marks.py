"""Group commit of the sender's marks: waiters share a write, and each returns only once the
write holding its item is done (or raises its error)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import pytest

from handlers.telegram.marks import GroupCommit


def test_marks_added_together_share_one_write_and_wait_for_it() -> None:
    writes: list[list[int]] = []
    written = threading.Event()

    def write(items: Sequence[int]) -> None:
        writes.append(list(items))
        written.set()

    async def main() -> list[bool]:
        marks = GroupCommit(write)
        seen = []

        async def mark(item: int) -> None:
            await marks.add(item)
            seen.append(written.is_set())  # never back before its write

        await asyncio.gather(*(mark(n) for n in range(5)))
        await marks.add(5)
        return seen

    assert asyncio.run(main()) == [True] * 5
    assert writes == [[0, 1, 2, 3, 4], [5]]


def test_marks_added_during_a_write_form_the_next_batch() -> None:
    writes: list[list[int]] = []
    first_started = threading.Event()
    release_first = threading.Event()

    def write(items: Sequence[int]) -> None:
        if not writes:
            first_started.set()
            release_first.wait(timeout=5)
        writes.append(list(items))

    async def main() -> None:
        marks = GroupCommit(write)
        first = asyncio.create_task(marks.add(0))
        await asyncio.to_thread(first_started.wait, 5)
        later = [asyncio.create_task(marks.add(n)) for n in (1, 2)]
        await asyncio.sleep(0)
        release_first.set()
        await asyncio.gather(first, *later)

    asyncio.run(main())
    assert writes == [[0], [1, 2]]


def test_a_failed_write_fails_each_of_its_waiters_and_the_next_batch_goes_on() -> None:
    writes: list[list[int]] = []

    def write(items: Sequence[int]) -> None:
        writes.append(list(items))
        if len(writes) == 1:
            raise RuntimeError("database is locked")

    async def main() -> list[BaseException | None]:
        marks = GroupCommit(write)
        results = await asyncio.gather(marks.add(1), marks.add(2), return_exceptions=True)
        await marks.add(3)
        return [r if isinstance(r, BaseException) else None for r in results]

    failures = asyncio.run(main())
    assert [type(f) for f in failures] == [RuntimeError, RuntimeError]
    assert writes == [[1, 2], [3]]


@pytest.mark.parametrize("waiters", [1, 50])
def test_every_waiter_returns(waiters: int) -> None:
    written: list[int] = []

    async def main() -> None:
        marks = GroupCommit(written.extend)
        await asyncio.gather(*(marks.add(n) for n in range(waiters)))

    asyncio.run(main())
    assert sorted(written) == list(range(waiters))
