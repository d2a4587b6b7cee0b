"""A monotonic clock that moves only when told: for code that takes `clock` (and `sleep`)."""


class FakeClock:
    """clock() reads `now`; sleep(s) and advance(s) move it, so a paced loop runs exactly on its grid."""

    def __init__(self, now=1000.0):
        self.now = now
        self.slept = []  # every sleep asked for, in order

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds

    def advance(self, seconds):
        """Time passes without a sleep: work that took `seconds`."""
        self.now += seconds
