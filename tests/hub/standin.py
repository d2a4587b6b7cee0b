"""A small local stand-in for the Hugging Face Hub: only the HTTP endpoints huggingface_hub calls for
imitate's commands (whoami, create repo, repo info, preupload, LFS batch + PUT, commit, tags, refs,
resolve). Repos live in memory; every commit is a full snapshot so tags and revisions resolve.

It is a fake of something these machines cannot reach, kept small on purpose. It checks the parts
that matter for the tests (tokens, private repos, repo types, revisions, LFS hashes) and nothing
else; it says nothing about rate limits, xet storage or the Hub's own validation.
"""
import base64
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlparse

import yaml

TYPES = {"models": "model", "datasets": "dataset", "spaces": "space"}
PREFIX = {"model": "", "dataset": "datasets/", "space": "spaces/"}


@dataclass
class Repo:
    kind: str
    repo_id: str
    private: bool
    commits: dict = field(default_factory=dict)  # sha -> {path: bytes}
    refs: dict = field(default_factory=dict)  # "main" and tags -> sha
    tags: set = field(default_factory=set)

    def files(self, revision):
        sha = self.refs.get(revision, revision)
        return sha, self.commits.get(sha)


class HubStandIn:
    """`with HubStandIn(tokens={"hf_x": "alice"}) as hub:` ... `hub.url` is the endpoint."""

    def __init__(self, tokens):
        self.tokens = dict(tokens)
        self.repos = {}  # (kind, repo_id) -> Repo
        self.lfs = {}  # oid -> bytes
        self.requests = []  # (method, path) for assertions
        self.fail_puts = 0  # next N LFS uploads fail midway (an interrupted upload)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    def user(self, headers):
        auth = headers.get("Authorization", "")
        return self.tokens.get(auth[7:]) if auth.startswith("Bearer ") else None

    def commit(self, repo, files, parent="main"):
        base = dict(repo.commits.get(repo.refs.get(parent), {}))
        base.update(files)
        sha = hashlib.sha1(json.dumps(sorted((p, hashlib.sha256(b).hexdigest()) for p, b in base.items()))
                           .encode() + str(len(repo.commits)).encode()).hexdigest()
        repo.commits[sha] = base
        repo.refs[parent] = sha
        return sha


def _handler(hub):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        # --- replies ---------------------------------------------------------------------------
        def reply(self, status, body=b"", headers=None, content_type="application/json"):
            data = json.dumps(body).encode() if not isinstance(body, bytes) else body
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def error(self, status, message, code=None):
            self.reply(status, {"error": message}, {"X-Error-Code": code} if code else None)

        def body(self):
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def repo(self, kind, repo_id, write=False):
            """The repo if this request may see it (and write to it); else replies and returns None."""
            user = hub.user(self.headers)
            repo = hub.repos.get((kind, repo_id))
            if repo is None or (repo.private and user != repo_id.split("/")[0]):
                self.error(401 if user is None else 404, "Repository not found", "RepoNotFound")
                return None
            if write and user != repo_id.split("/")[0]:
                self.error(403 if user else 401, "You don't have the rights to write to this repo")
                return None
            return repo

        # --- routes ----------------------------------------------------------------------------
        def do_GET(self):
            self.route("GET")

        def do_HEAD(self):
            self.route("HEAD")

        def do_POST(self):
            self.route("POST")

        def do_PUT(self):
            self.route("PUT")

        def do_DELETE(self):
            self.route("DELETE")

        def route(self, method):
            url = urlparse(self.path)
            path = unquote(url.path)
            hub.requests.append((method, path))
            with hub._lock:
                for pattern, handler_method, handler in ROUTES:
                    match = re.fullmatch(pattern, path)
                    if match and (handler_method == method or (method == "HEAD" and handler_method == "GET")):
                        return handler(self, parse_qs(url.query), *match.groups())
            self.error(404, f"no route {method} {path}")

        def whoami(self, query):
            user = hub.user(self.headers)
            if user is None:
                return self.error(401, "Invalid credentials in Authorization header")
            self.reply(
                200,
                {
                    "type": "user",
                    "name": user,
                    "orgs": [],
                    "auth": {"type": "access_token", "accessToken": {"role": "write", "displayName": "test"}},
                },
            )

        def create_repo(self, query):
            user = hub.user(self.headers)
            if user is None:
                return self.error(401, "Invalid credentials in Authorization header")
            spec = json.loads(self.body())
            kind = spec.get("type", "model")
            repo_id = f"{spec.get('organization') or user}/{spec['name']}"
            if repo_id.split("/")[0] != user:
                return self.error(403, "You don't have the rights to create a repo in this namespace")
            url = f"{hub.url}/{PREFIX[kind]}{repo_id}"
            if (kind, repo_id) in hub.repos:
                return self.reply(409, {"error": "You already created this repo", "url": url})
            repo = hub.repos[(kind, repo_id)] = Repo(kind, repo_id, bool(spec.get("private")))
            hub.commit(repo, {".gitattributes": b"*.mp4 filter=lfs\n"})
            self.reply(200, {"url": url, "name": repo_id})

        def repo_info(self, query, kinds, repo_id, revision="main"):
            repo = self.repo(TYPES[kinds], repo_id)
            if repo is None:
                return
            sha, files = repo.files(unquote(revision))
            if files is None:
                return self.error(404, f"Invalid rev id: {revision}", "RevisionNotFound")
            self.reply(
                200,
                {
                    "id": repo_id,
                    "sha": sha,
                    "private": repo.private,
                    "xetEnabled": False,
                    "lastModified": "2026-11-27T00:00:00.000Z",
                    "tags": [],
                    "downloads": 0,
                    "siblings": [{"rfilename": p, "size": len(b)} for p, b in sorted(files.items())],
                },
            )

        def refs(self, query, kinds, repo_id):
            repo = self.repo(TYPES[kinds], repo_id)
            if repo is None:
                return

            def ref(name, kind):
                return {"name": name, "ref": f"refs/{kind}/{name}", "targetCommit": repo.refs[name]}

            self.reply(
                200,
                {
                    "branches": [ref("main", "heads")],
                    "converts": [],
                    "tags": [ref(t, "tags") for t in sorted(repo.tags)],
                },
            )

        def tag(self, query, kinds, repo_id, revision):
            repo = self.repo(TYPES[kinds], repo_id, write=True)
            if repo is None:
                return
            name = json.loads(self.body())["tag"]
            if name in repo.tags:
                return self.error(409, "Tag already exists")
            repo.tags.add(name)
            repo.refs[name] = repo.refs[unquote(revision)]
            self.reply(200, {})

        def delete_tag(self, query, kinds, repo_id, name):
            repo = self.repo(TYPES[kinds], repo_id, write=True)
            if repo is None:
                return
            if name not in repo.tags:
                return self.error(404, "Invalid rev id", "RevisionNotFound")
            repo.tags.discard(name)
            repo.refs.pop(name)
            self.reply(200, {})

        def preupload(self, query, kinds, repo_id, revision):
            if self.repo(TYPES[kinds], repo_id, write=True) is None:
                return
            files = json.loads(self.body())["files"]
            binary = (".mp4", ".parquet", ".onnx", ".safetensors", ".engine", ".bin")
            self.reply(
                200,
                {
                    "files": [
                        {
                            "path": f["path"],
                            "shouldIgnore": False,
                            "uploadMode": "lfs" if f["path"].endswith(binary) else "regular",
                        }
                        for f in files
                    ]
                },
            )

        def lfs_batch(self, query, prefix, repo_id):
            kind = {"": "model", "datasets/": "dataset", "spaces/": "space"}[prefix or ""]
            if self.repo(kind, repo_id, write=True) is None:
                return
            objects = []
            for obj in json.loads(self.body())["objects"]:
                entry = {"oid": obj["oid"], "size": obj["size"]}
                if obj["oid"] not in hub.lfs:  # already stored objects need no upload
                    entry["actions"] = {"upload": {"href": f"{hub.url}/lfs-upload/{obj['oid']}"}}
                objects.append(entry)
            self.reply(200, {"transfer": "basic", "objects": objects})

        def lfs_put(self, query, oid):
            data = self.body()
            if hub.fail_puts > 0:
                hub.fail_puts -= 1
                return self.error(500, "connection lost (stand-in failure)")
            if hashlib.sha256(data).hexdigest() != oid:
                return self.error(400, "sha256 mismatch")
            hub.lfs[oid] = data
            self.reply(200, {})

        def commit_files(self, query, kinds, repo_id, revision):
            repo = self.repo(TYPES[kinds], repo_id, write=True)
            if repo is None:
                return
            files = {}
            for line in self.body().splitlines():
                item = json.loads(line)
                value = item["value"]
                if item["key"] == "file":
                    files[value["path"]] = base64.b64decode(value["content"])
                elif item["key"] == "lfsFile":
                    if value["oid"] not in hub.lfs:
                        return self.error(400, f"LFS object {value['oid']} was never uploaded")
                    files[value["path"]] = hub.lfs[value["oid"]]
            sha = hub.commit(repo, files, unquote(revision))
            self.reply(
                200,
                {
                    "commitUrl": f"https://huggingface.co/{PREFIX[repo.kind]}{repo_id}/commit/{sha}",
                    "commitOid": sha,
                    "pullRequestUrl": None,
                },
            )

        def validate_yaml(self, query):
            """The card's YAML header must parse and carry a list of tags (the Hub checks far more)."""
            content = json.loads(self.body())["content"]
            try:
                header = yaml.safe_load(content.split("---")[1]) if content.startswith("---") else None
            except yaml.YAMLError as err:
                return self.reply(400, {"errors": [{"message": f"invalid YAML: {err}"}]})
            if not isinstance(header, dict) or not isinstance(header.get("tags", []), list):
                return self.reply(
                    400, {"errors": [{"message": "metadata must be a mapping with a tags list"}]}
                )
            self.reply(200, {"errors": [], "warnings": []})

        def resolve(self, query, prefix, repo_id, revision, filename):
            kind = {"": "model", "datasets/": "dataset", "spaces/": "space"}[prefix or ""]
            repo = self.repo(kind, repo_id)
            if repo is None:
                return
            sha, files = repo.files(revision)
            if files is None:
                return self.error(404, "Invalid rev id", "RevisionNotFound")
            if filename not in files:
                return self.error(404, "Entry not found", "EntryNotFound")
            data = files[filename]
            etag = hashlib.sha256(data).hexdigest()
            self.reply(
                200,
                data,
                {"X-Repo-Commit": sha, "ETag": f'"{etag}"', "Last-Modified": formatdate(usegmt=True)},
                content_type="application/octet-stream",
            )

    repo = r"([\w.-]+/[\w.-]+)"
    ROUTES = [
        (r"/api/whoami-v2", "GET", Handler.whoami),
        (r"/api/repos/create", "POST", Handler.create_repo),
        (r"/api/validate-yaml", "POST", Handler.validate_yaml),
        (rf"/api/(models|datasets|spaces)/{repo}/revision/(.+)", "GET", Handler.repo_info),
        (rf"/api/(models|datasets|spaces)/{repo}", "GET", Handler.repo_info),
        (rf"/api/(models|datasets|spaces)/{repo}/refs", "GET", Handler.refs),
        (rf"/api/(models|datasets|spaces)/{repo}/tag/(.+)", "POST", Handler.tag),
        (rf"/api/(models|datasets|spaces)/{repo}/tag/(.+)", "DELETE", Handler.delete_tag),
        (rf"/api/(models|datasets|spaces)/{repo}/preupload/(.+)", "POST", Handler.preupload),
        (rf"/api/(models|datasets|spaces)/{repo}/commit/(.+)", "POST", Handler.commit_files),
        (rf"/(datasets/|spaces/)?{repo}\.git/info/lfs/objects/batch", "POST", Handler.lfs_batch),
        (r"/lfs-upload/([0-9a-f]{64})", "PUT", Handler.lfs_put),
        (rf"/(datasets/|spaces/)?{repo}/resolve/([^/]+)/(.+)", "GET", Handler.resolve),
    ]
    return Handler
