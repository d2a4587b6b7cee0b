"""The Hub client and its failures, translated into one clear line each (HubError)."""
import contextlib
import os

from huggingface_hub import HfApi, constants, get_token
from huggingface_hub import errors as hf_errors
from requests import exceptions as http_errors

KINDS = {"dataset": "push-dataset / pull-dataset", "model": "push-policy / pull-policy"}


class HubError(RuntimeError):
    """A Hub operation that failed; the message says why and what to do. Local files are untouched."""


def endpoint():
    """The Hub's address: HF_ENDPOINT if set (a mirror, a stand-in), else huggingface.co."""
    return os.environ.get("HF_ENDPOINT", constants.ENDPOINT).rstrip("/")


def hub_api(token=None):
    """An HfApi on endpoint(); token None means HF_TOKEN or the login cache, as huggingface_hub does."""
    return HfApi(endpoint=endpoint(), token=token)


@contextlib.contextmanager
def hub_errors(repo_id, kind, api=None):
    """Turns huggingface_hub and network exceptions into HubError with a reason and a next step."""
    try:
        yield
    except HubError:
        raise
    except hf_errors.OfflineModeIsEnabled:
        raise HubError(
            "HF_HUB_OFFLINE is set, so the Hub is not contacted: unset it to push or pull"
        ) from None
    except (http_errors.ConnectionError, http_errors.Timeout) as err:
        raise HubError(
            f"cannot reach the Hub at {endpoint()} ({type(err).__name__}): check the network "
            f"or HF_ENDPOINT and try again; nothing was changed locally"
        ) from None
    except hf_errors.RevisionNotFoundError:
        raise HubError(
            f"{repo_id} has no such revision: list its branches and tags on the Hub page"
        ) from None
    except hf_errors.GatedRepoError:
        raise HubError(f"{repo_id} is gated: accept its conditions on the Hub page first") from None
    except hf_errors.RepositoryNotFoundError:
        raise HubError(_not_found(repo_id, kind, api)) from None
    except http_errors.HTTPError as err:  # HfHubHTTPError, or the plain one whoami raises on 401
        status = err.response.status_code if err.response is not None else None
        if status == 401:
            raise HubError(
                "the Hub refused the token (401): run `imitate hub login` or set HF_TOKEN "
                "to a token with write access"
            ) from None
        if status == 403:
            raise HubError(
                f"your token may not write to {repo_id} (403): use a write token, "
                f"or a repo in your own namespace"
            ) from None
        raise HubError(
            f"the Hub answered {status} for {repo_id}: {getattr(err, 'server_message', None) or err}"
        ) from None


def _not_found(repo_id, kind, api):
    """'not found', or 'it is a model, not a dataset' when the other kind exists."""
    other = "model" if kind == "dataset" else "dataset"
    with contextlib.suppress(Exception):
        if api is not None and api.repo_exists(repo_id, repo_type=other):
            return f"{repo_id} is a {other} repo, not a {kind} repo: use `imitate hub {KINDS[other]}`"
    return (
        f"no {kind} repo {repo_id} on {endpoint()} (or it is private and the token cannot see it): "
        f"check the name, or log in with `imitate hub login`"
    )


def require_login(api):
    """The user name behind the token; a HubError before any upload starts if there is none."""
    if (api.token or get_token()) is None:
        raise HubError("not logged in: run `imitate hub login` or set HF_TOKEN")
    with hub_errors("whoami", "model"):
        return api.whoami()["name"]
