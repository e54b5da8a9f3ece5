"""Run in Rasa's environment (.venv-rasa) by tests/test_sentinel.py: one turn through the
tracker and lock stores the endpoints file (argv[1]) names, for conversation argv[2]; prints
the store classes and how many user turns the tracker now has."""

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `actions`, as Rasa has it

from rasa.core.lock_store import LockStore
from rasa.core.tracker_store import TrackerStore
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered


async def main(endpoints_file: str, conversation_id: str) -> None:
    endpoints = AvailableEndpoints.read_endpoints(endpoints_file)
    trackers = TrackerStore.create(endpoints.tracker_store, Domain.empty())
    locks = LockStore.create(endpoints.lock_store)
    inner = getattr(trackers, "_tracker_store", trackers)
    print(type(inner).__name__, type(locks).__name__)
    async with locks.lock(conversation_id):
        tracker = await trackers.get_or_create_tracker(conversation_id)
        turns = sum(1 for event in tracker.events if isinstance(event, UserUttered))
        tracker.update(UserUttered(f"hello {turns}"))
        await trackers.save(tracker)
    inner.red.wait(1, 2000)  # on the replica too before the test kills the primary
    print("turns", turns + 1)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
