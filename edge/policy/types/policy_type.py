"""What a policy type declares (registered in __init__.py)."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PolicyType:
    """One lerobot policy type as imitate trains, exports and runs it."""

    name: str  # lerobot's config "type"
    supported: bool = True
    reason: str = ""  # when not supported: why, and what to do instead
    # training and loading, offline: lerobot config fields always set (no weight download)
    offline_config: dict = field(default_factory=dict)
    small_config: dict = field(default_factory=dict)  # a tiny configuration: minutes on a CPU
    # export
    export_module: str = ""  # the module in export/types/ that traces it (build_graphs, reference_chunk)
    graphs: tuple = ()  # graph names in the package (policy.json "graphs")
    parity_tolerance: float = 1e-4  # max abs error against lerobot, raw units
    # its inference draws noise: noise_shape(spec) -> the draw's shape for one chunk (parity checks give
    # both sides the same draw); None: it draws none
    noise_shape: object = None
    # running: actions(policy, state, images, noise, task) -> (horizon, A) float32, from policy.runners
    actions: object = None  # None: no ONNX graphs yet; the package runs in lerobot (the torch backend)
    setup: object = None  # setup(policy): what it loads once beside its graphs (a VLA: its tokenizer)
    needs_task: bool = (
        False  # a language-conditioned policy (a VLA): the runtime refuses to start without one
    )
    rtc: bool = False  # lerobot gives it an rtc_config: --rtc (real-time chunking) applies
    fine_tune_only: str = ""  # why it is trained from a pretrained checkpoint (--init) and never from scratch

    @property
    def uses_noise(self):
        """Whether its inference draws noise (Diffusion, SmolVLA)."""
        return self.noise_shape is not None

    @property
    def onnx(self):
        """Whether `imitate export` writes ONNX graphs for it (else: `--format torch`)."""
        return self.actions is not None
