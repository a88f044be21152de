"""Token buckets with injected time."""

from server.ratelimit import Bucket, RateLimiter, TokenBucket, Verdict, bucket_of
from server.settings import Limits
from session.commands import MovePointer, PostChat, SetImage, SetVoi
from session.ids import Uid
from session.model import ImageRef, Voi

POINTER = MovePointer(0, (1.0, 2.0))
VOI = SetVoi(0, Voi(40.0, 400.0))
CHAT = PostChat("hi")


def test_buckets_by_command_kind() -> None:
    assert bucket_of(POINTER) is Bucket.POINTER
    assert bucket_of(VOI) is Bucket.VIEW
    assert bucket_of(SetImage(0, ImageRef(Uid("1"), Uid("2"), Uid("3")))) is Bucket.VIEW
    assert bucket_of(CHAT) is Bucket.OTHER
    assert bucket_of(None) is Bucket.OTHER


def test_token_bucket_refills_at_rate_up_to_burst() -> None:
    bucket = TokenBucket(rate=10.0, burst=20.0, now=0.0)
    assert sum(bucket.take(0.0) for _ in range(25)) == 20
    assert not bucket.take(0.05)  # half a token
    assert bucket.take(0.1)
    assert sum(bucket.take(100.0) for _ in range(30)) == 20  # never above burst


def test_default_limits_per_bucket() -> None:
    limiter = RateLimiter(Limits(flood_count=10_000), now=0.0)
    allowed = {
        name: sum(limiter.check(cmd, 0.0) is Verdict.ALLOWED for _ in range(200))
        for name, cmd in (("pointer", POINTER), ("view", VOI), ("other", CHAT))
    }
    assert allowed == {"pointer": 30, "view": 60, "other": 20}
    # One second later each bucket has refilled by its rate.
    assert sum(limiter.check(POINTER, 1.0) is Verdict.ALLOWED for _ in range(100)) == 30
    assert sum(limiter.check(CHAT, 1.0) is Verdict.ALLOWED for _ in range(100)) == 10


def test_buckets_are_independent() -> None:
    limiter = RateLimiter(Limits(), now=0.0)
    for _ in range(30):
        limiter.check(POINTER, 0.0)
    assert limiter.check(POINTER, 0.0) is Verdict.LIMITED
    assert limiter.check(VOI, 0.0) is Verdict.ALLOWED


def test_flood_after_100_refusals_within_10_s() -> None:
    limiter = RateLimiter(Limits(), now=0.0)
    verdicts = [limiter.check(CHAT, 0.0) for _ in range(20 + 99)]
    assert verdicts.count(Verdict.LIMITED) == 99
    assert limiter.check(CHAT, 0.0) is Verdict.FLOOD


def test_refusals_spread_over_time_are_no_flood() -> None:
    limiter = RateLimiter(Limits(other_rate=0.0001), now=0.0)
    t = 0.0
    for _ in range(20):
        limiter.check(CHAT, t)
    for _ in range(500):  # 5 refusals per second: 50 per 10 s window < 100
        t += 0.2
        assert limiter.check(CHAT, t) is Verdict.LIMITED
