"""The policy package: what `imitate export` writes and the robot runs (no torch, no lerobot).

A folder with policy.json and ONNX graphs. Inputs are what the runtime has: the state in profile
joint order (float32, raw robot units) and each camera as uint8 HWC at the size the policy was
trained on (the robot's image goes through `edge.images.resize_rgb`, the resize training used).
Normalization and unnormalization live inside the graphs; outputs are raw joint targets.

ACT: one graph, `model.onnx`: (state, images...) -> action chunk (1, chunk, A).
Diffusion: `encoder.onnx` (state, images... over n_obs_steps) -> global conditioning, and
`denoiser.onnx` (noisy actions, timestep, conditioning) -> predicted noise; the DDIM loop runs in
numpy in the runtime (edge/policy/diffusion_loop.py).
SmolVLA: `vision.onnx` (images...) -> image tokens, `prefix.onnx` (image tokens, prompt tokens and
mask, state) -> the key/value cache, `expert.onnx` (noisy actions, time, cache) -> velocity; the
flow-matching loop runs in numpy (edge/policy/flow_matching.py), the prompt is tokenized from the
package's `vlm/tokenizer.json` (edge/policy/task_tokens.py), every `vlm/` file hashed in `files`.

A package of kind `lerobot` (`imitate export --format torch`) has no graphs: it carries the lerobot
checkpoint itself (`checkpoint/`: config, weights, processors) and, for a VLA, its backbone's config,
tokenizer and processor files (`vlm/`), every file hashed in `files`. The torch backend runs it with
lerobot; the robot needs torch and lerobot for it, and nothing from the internet.
"""
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

FORMAT = 1  # policy.json "format": bump when a runtime would misread an older package


class PackageError(ValueError):
    """A package that cannot be run as it is; the message says what is wrong and what to do."""


@dataclass(frozen=True)
class PolicyPackage:
    """policy.json, validated, plus the folder it lives in."""

    root: Path
    spec: dict

    @property
    def kind(self):
        """'onnx' (graphs the ONNX Runtime and TensorRT backends run) or 'lerobot' (a checkpoint)."""
        return self.spec.get("kind", "onnx")

    @property
    def needs_task(self):
        """Whether the policy is prompted with a language task (a VLA)."""
        return bool(self.spec.get("needs_task"))

    @property
    def policy_type(self):
        """The registered policy type's name (edge/policy/types/): 'act', 'diffusion'."""
        return self.spec["policy_type"]

    @property
    def state_joints(self):
        """Joint names of the state input, in order."""
        return tuple(self.spec["inputs"]["state"]["joints"])

    @property
    def action_joints(self):
        """Joint names of the action output, in order."""
        return tuple(self.spec["outputs"]["action"]["joints"])

    @property
    def cameras(self):
        """{camera: (height, width)} the graph expects."""
        return {c["name"]: (c["height"], c["width"]) for c in self.spec["inputs"]["cameras"]}

    @property
    def chunk_size(self):
        """Actions per chunk the graph predicts."""
        return self.spec["chunk_size"]

    @property
    def n_action_steps(self):
        """Actions of each chunk the runtime executes before asking again."""
        return self.spec["n_action_steps"]

    @property
    def n_obs_steps(self):
        """Observations the policy looks at (1 for ACT)."""
        return self.spec.get("n_obs_steps", 1)

    @property
    def fps(self):
        """Frames per second of the training data: the spacing of a chunk's actions."""
        return self.spec["fps"]

    def graph(self, name):
        """Path of graph `name` (model | encoder | denoiser | vision | prefix | expert)."""
        return self.root / self.spec["graphs"][name]["file"]


def sha256(path):
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_package(path):
    """Read and check a package: policy.json present and well-formed, every graph there, hashes equal."""
    root = Path(path)
    spec_path = root / "policy.json"
    if not spec_path.is_file():
        raise PackageError(f"{root} is not a policy package (no policy.json): make one with `imitate export`")
    try:
        spec = json.loads(spec_path.read_text())
    except json.JSONDecodeError as err:
        raise PackageError(f"{spec_path} is not valid JSON ({err}): export the policy again") from None
    if spec.get("format") != FORMAT:
        raise PackageError(f"{spec_path} has format {spec.get('format')}, this runtime reads {FORMAT}: "
                           f"re-export with this version of imitate")
    for key in ("policy_type", "fps", "chunk_size", "n_action_steps", "inputs", "outputs", "graphs"):
        if key not in spec:
            raise PackageError(f"{spec_path} lacks {key!r}: export the policy again")
    files = {f"graph {name}": (g["file"], g["sha256"]) for name, g in spec["graphs"].items()}
    files.update({f"file {rel}": (rel, digest) for rel, digest in spec.get("files", {}).items()})
    for what, (rel, digest) in files.items():
        file = root / rel
        if not file.is_file():
            raise PackageError(f"{root}: {what} ({rel}) is missing: copy the whole package folder")
        if sha256(file) != digest:
            raise PackageError(
                f"{file} does not match the hash in policy.json (corrupted or replaced): "
                f"copy the package again or re-export it"
            )
    return PolicyPackage(root, spec)


def check_profile(package, profile):
    """PackageError unless the robot profile publishes what the policy needs, in the same order."""
    if package.state_joints != profile.joint_names or package.action_joints != profile.joint_names:
        ours, theirs = set(profile.joint_names), set(package.state_joints)
        detail = (
            f"missing {sorted(theirs - ours)[:3]}, extra {sorted(ours - theirs)[:3]}"
            if ours != theirs
            else "same joints, another order"
        )
        raise PackageError(
            f"{package.root}: the policy's joints do not match profile {profile.name} ({detail}): "
            f"run it with the profile it was trained on, or retrain on this robot's data"
        )
    for cam in package.cameras:
        if cam not in profile.camera_names:
            raise PackageError(
                f"{package.root}: the policy expects camera {cam}, profile {profile.name} has "
                f"{', '.join(profile.camera_names)}: map the camera in the profile or retrain"
            )
    fps = package.fps
    if fps != profile.dataset_fps:
        raise PackageError(
            f"{package.root}: the policy was trained at {fps} fps, profile {profile.name} records at "
            f"{profile.dataset_fps}: use a profile with dataset_fps: {fps}"
        )
