"""What every page's routes share: the error they raise, the request body, a checked field, a safe
folder name, and the running app's (config, runtime, jobs). Its own module so the pages and the app
that registers them do not import each other."""
import math

from flask import current_app, request

from imitate.edge.runtime.recording import dataset_folder


class ApiError(Exception):
    """A request the page refuses: `code` and a message for the person."""

    def __init__(self, message, code=400):
        super().__init__(message)
        self.code = code


def ctx():
    """(config, runtime, jobs) of the running app."""
    ext = current_app.extensions["imitate"]
    return ext["config"], ext["runtime"], ext["jobs"]


def body():
    """The request's JSON object; ApiError if it is not one."""
    data = request.get_json(force=True, silent=True)  # scripts often send no Content-Type
    if data is None and request.content_length:
        raise ApiError("expected a JSON object in the request body")
    data = {} if data is None else data
    if not isinstance(data, dict):
        raise ApiError("expected a JSON object")
    return data


def field_value(data, name, kind, default=None, low=None, high=None, required=False):
    """data[name] checked: its type, its range; ApiError naming the field and what was expected."""
    value = data.get(name, default)
    if value is None:
        if required:
            raise ApiError(f"'{name}' is required")
        return None
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ApiError(f"'{name}' must be {kind.__name__}, got {type(value).__name__}")
    if kind is float and not math.isfinite(value):
        raise ApiError(f"'{name}' must be a finite number")
    if kind in (int, float) and (low is not None and value < low or high is not None and value > high):
        raise ApiError(f"'{name}' must be between {low} and {high}, got {value}")
    if kind is str and len(value) > 500:
        raise ApiError(f"'{name}' is too long (500 characters at most)")
    return value


def named_folder(parent, name, what):
    """parent/name for a safe name (letters, digits, '_.-'); ApiError naming `what` otherwise."""
    try:
        return dataset_folder(parent, name)
    except ValueError as err:
        raise ApiError(f"{what}: {err}") from None
