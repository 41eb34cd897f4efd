"""In-process publish/subscribe of what changed, for the API's live streams.

Each subscriber has a bounded queue. A subscriber that falls `limit` events behind is
dropped (its queue gets a final `None`, and its `lost` event is set), so a slow client
can never grow the service's memory; it reconnects and reloads.

A subscriber may pass `accept`, a test of which events it wants: a stream about one
run then neither pays for nor is dropped over the events of every other run.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

Event = dict[str, Any]


class Subscription:
    def __init__(
        self, hub: Events, limit: int, accept: Callable[[Event], bool] | None = None
    ) -> None:
        self._hub = hub
        self.queue: asyncio.Queue[Event | None] = asyncio.Queue(limit + 1)
        self.limit = limit
        self.accept = accept
        self.dropped = False
        self.lost = asyncio.Event()
        """Set when the subscription is dropped: a consumer blocked elsewhere (sending
        to its client) can wait on it as well as on the queue."""

    def offer(self, event: Event) -> None:
        if self.dropped or (self.accept is not None and not self.accept(event)):
            return
        if self.queue.qsize() >= self.limit:
            self.dropped = True
            self.queue.put_nowait(None)
            self.lost.set()
            self._hub.unsubscribe(self)
            return
        self.queue.put_nowait(event)

    async def __aiter__(self) -> AsyncIterator[Event]:
        while (event := await self.queue.get()) is not None:
            yield event

    def close(self) -> None:
        self._hub.unsubscribe(self)


class Events:
    def __init__(self) -> None:
        self._subscriptions: set[Subscription] = set()

    def subscribe(
        self, limit: int = 10_000, accept: Callable[[Event], bool] | None = None
    ) -> Subscription:
        subscription = Subscription(self, limit, accept)
        self._subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscriptions.discard(subscription)

    def publish(self, event: Event) -> None:
        for subscription in list(self._subscriptions):
            subscription.offer(event)

    @property
    def subscribers(self) -> int:
        return len(self._subscriptions)
