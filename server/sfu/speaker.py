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
    # The loudest each was since the last evaluation: a short burst between two evaluations
    # (a one-word answer, a beep) still counts, whatever the phase of the evaluation clock.
    _peak: dict[ParticipantId, float] = field(default_factory=dict)
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
        smoothed = old + self.alpha * (loud - old)
        self._loudness[participant] = smoothed
        self._peak[participant] = max(self._peak.get(participant, 0.0), smoothed)
        if now - self._last_eval < self.interval:
            return False
        self._last_eval = now
        changed = self._evaluate(now)
        self._peak = dict(self._loudness)  # the next window starts from where each one is
        return changed

    def forget(self, participant: ParticipantId) -> bool:
        self._loudness.pop(participant, None)
        self._peak.pop(participant, None)
        if self._current == participant:
            self._current = None
            return True
        return False

    def _evaluate(self, now: float) -> bool:
        loudest = max(self._peak, key=self._peak.__getitem__, default=None)
        if loudest is None or self._peak[loudest] < self.threshold:
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
