"""Jobs survive a broker outage: kept after commit, sent when the broker answers again."""

from __future__ import annotations

from typing import Any

import pytest
from kombu.exceptions import OperationalError

from common import dispatch
from common.models import PendingDispatch

pytestmark = pytest.mark.django_db


class Broker:
    def __init__(self) -> None:
        self.up = False
        self.sent: list[tuple[str, list[Any]]] = []

    def send_task(self, name: str, args: list[Any], **options: Any) -> None:
        if not self.up:
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        self.sent.append((name, args))


@pytest.fixture
def broker(monkeypatch: pytest.MonkeyPatch) -> Broker:
    fake = Broker()
    monkeypatch.setattr(dispatch.current_app, "send_task", fake.send_task)
    monkeypatch.setitem(dispatch.current_app.conf, "task_always_eager", False)
    return fake


def test_a_job_the_broker_refuses_is_kept_and_sent_with_the_next_one(broker: Broker) -> None:
    assert dispatch.enqueue("datasets.tasks.process_asset", 7) is False
    assert dispatch.is_pending("datasets.tasks.process_asset", 7)
    broker.up = True
    assert dispatch.enqueue("qa.tasks.compute_task_agreement", 3) is True
    assert broker.sent == [("qa.tasks.compute_task_agreement", [3]), ("datasets.tasks.process_asset", [7])]
    assert not PendingDispatch.objects.exists()


def test_dispatch_pending_stops_at_the_first_refusal_and_keeps_the_rest(broker: Broker) -> None:
    for n in range(3):
        dispatch.enqueue("datasets.tasks.process_asset", n)
    assert dispatch.dispatch_pending() == 0
    assert PendingDispatch.objects.count() == 3
    broker.up = True
    assert dispatch.dispatch_pending() == 3
    assert [args for _, args in broker.sent] == [[0], [1], [2]]


def test_enqueue_on_commit_sends_nothing_when_the_change_rolls_back(broker: Broker,
                                                                    django_capture_on_commit_callbacks: Any) -> None:
    broker.up = True
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        dispatch.enqueue_on_commit("datasets.tasks.process_asset", 1)
    assert broker.sent == [] and len(callbacks) == 1
