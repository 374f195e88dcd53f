from __future__ import annotations

import httpx

from sources.shared.pacing import RateLimitPacer


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def answer(remaining: int, reset: int, status: int = 200, limit: int = 100) -> httpx.Response:
    return httpx.Response(
        status,
        headers={
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(reset),
        },
    )


def test_waits_for_the_reset_once_the_window_is_spent() -> None:
    clock = FakeClock(1000.0)
    pacer = RateLimitPacer(clock=clock, sleep=clock.sleep, margin=0.5)
    pacer.acquire()
    pacer.observe(answer(remaining=2, reset=1030))
    pacer.acquire()
    pacer.observe(answer(remaining=1, reset=1030))
    pacer.acquire()
    pacer.observe(answer(remaining=0, reset=1030))
    assert clock.slept == []
    pacer.acquire()  # the budget is spent: wait until 1030 + margin
    assert clock.now == 1030.5 and len(clock.slept) == 1
    assert pacer.blocked == 30.5


def test_threads_waiting_for_the_same_reset_count_as_one_wait() -> None:
    clock = FakeClock(1000.0)
    pacer = RateLimitPacer(clock=clock, sleep=clock.sleep, margin=0.0)
    for _ in range(8):  # eight threads find the budget spent at the same instant
        clock.now = 1000.0
        pacer.remaining, pacer.limit, pacer.reset_at = 0, 100, 1010.0
        pacer.acquire()
    assert pacer.blocked == 10.0


def test_calls_in_flight_count_against_what_the_server_reports() -> None:
    clock = FakeClock(0.0)
    pacer = RateLimitPacer(clock=clock, sleep=clock.sleep, margin=0.0)
    pacer.acquire()
    pacer.observe(answer(remaining=3, reset=60))  # 3 left on the server
    pacer.acquire()
    pacer.acquire()
    pacer.acquire()  # three in flight, none answered yet
    assert pacer.remaining == 0
    pacer.observe(answer(remaining=2, reset=60))  # an old answer must not re-open the budget
    assert pacer.remaining == 0
    pacer.acquire()
    assert clock.now == 60.0


def test_a_429_waits_until_the_advertised_reset() -> None:
    clock = FakeClock(10.0)
    pacer = RateLimitPacer(clock=clock, sleep=clock.sleep, margin=0.25)
    pacer.acquire()
    response = answer(remaining=0, reset=25, status=429)
    pacer.observe(response)
    assert pacer.retry_delay(response) == 15.25
    assert pacer.remaining == 0


def test_adaptive_pacer_halves_on_429_and_grows_back() -> None:
    from sources.shared.pacing import AdaptivePacer

    pacer = AdaptivePacer(max_concurrency=8)
    for _ in range(3):
        pacer.acquire()
        pacer.observe(httpx.Response(429))
    assert pacer.limit == 1.0 and pacer.throttled == 3
    for _ in range(20):
        pacer.acquire()  # one slot: never blocks while each call is answered
        pacer.observe(httpx.Response(200))
    assert 5.0 < pacer.limit <= 8.0
    pacer.acquire()
    pacer.release()
    assert pacer.active == 0


def test_adaptive_pacer_bounds_calls_in_flight() -> None:
    import threading

    from sources.shared.pacing import AdaptivePacer

    pacer = AdaptivePacer(max_concurrency=2)
    pacer.acquire()
    pacer.acquire()
    acquired = threading.Event()
    third = threading.Thread(target=lambda: (pacer.acquire(), acquired.set()))
    third.start()
    # a third call waits for a slot: however slow the machine, it cannot have one yet
    assert not acquired.wait(timeout=0.2) and pacer.active == 2
    pacer.observe(httpx.Response(200))  # a call comes back: its slot is free
    assert acquired.wait(timeout=60)  # generous: only a broken pacer waits this long
    third.join()
    assert pacer.active == 2
