"""Active speaker from RFC 6464 audio levels, without decoding audio (pure: time is an argument).

Levels arrive per RTP packet as -dBov (0 loud … 127 silent). Each participant's loudness is
smoothed; the loudest one above ``threshold`` is the active speaker, changed only when another
is louder for ``hold`` seconds, so the indicator does not flicker between voices.
"""

from dataclasses import dataclass, field

from session.ids import ParticipantId


@dataclass
class ActiveSpeaker:
    threshold: float = 127 - 60  # louder than -60 dBov counts as speaking
    alpha: float = 0.2  # smoothing per packet (20 ms): ~100 ms time constant
    hold: float = 0.5
    interval: float = 0.25  # evaluate at most this often
    _loudness: dict[ParticipantId, float] = field(default_factory=dict)
    _current: ParticipantId | None = None
    _candidate_since: float | None = None
    _last_eval: float = float("-inf")

    @property
    def current(self) -> ParticipantId | None:
        return self._current

    def level(self, participant: ParticipantId, dbov: int, now: float) -> bool:
        """Record a level; True when the active speaker changed (then read ``current``)."""
        loud = 127 - dbov
        old = self._loudness.get(participant, 0.0)
        self._loudness[participant] = old + self.alpha * (loud - old)
        if now - self._last_eval < self.interval:
            return False
        self._last_eval = now
        return self._evaluate(now)

    def forget(self, participant: ParticipantId) -> bool:
        self._loudness.pop(participant, None)
        if self._current == participant:
            self._current = None
            return True
        return False

    def _evaluate(self, now: float) -> bool:
        loudest = max(self._loudness, key=self._loudness.__getitem__, default=None)
        if loudest is None or self._loudness[loudest] < self.threshold:
            loudest = None
        if loudest == self._current:
            self._candidate_since = None
            return False
        if self._current is not None and loudest is not None:
            if self._candidate_since is None:
                self._candidate_since = now
            if now - self._candidate_since < self.hold:
                return False
        self._current = loudest
        self._candidate_since = None
        return True
