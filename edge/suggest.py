"""'Did you mean' suggestions for names typed by people (profiles, presets, policies, fields)."""
import difflib


def did_you_mean(word, choices):
    """' (did you mean 'x'?)' for the closest of `choices`, or '' when none is close."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
