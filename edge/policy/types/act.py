"""ACT: one graph, observation in, a chunk of actions out (normalization inside)."""
from .policy_type import PolicyType


def actions(policy, state, images, noise=None, task=None):
    """The chunk (chunk_size, A) for one observation."""
    return policy.runners["model"]([state, *images])[0][0]


TYPE = PolicyType(
    name="act",
    offline_config=dict(pretrained_backbone_weights=None),  # never download ImageNet weights
    small_config=dict(
        dim_model=128,
        n_heads=4,
        dim_feedforward=512,
        n_encoder_layers=2,
        n_decoder_layers=1,
        latent_dim=16,
        n_vae_encoder_layers=2,
        chunk_size=30,
        # a new chunk from a newer observation every third of a second (at 30 fps): the arm corrects
        # its reach as it nears the ball (docs/demo-levers.md)
        n_action_steps=10,
        # no variational encoder: with it, 40 demonstrations taught the decoder to read the arm to use
        # from the latent, which is zero on the robot, and replanning made that worse (docs/demo-levers.md)
        use_vae=False,
        optimizer_lr=1e-4,
        optimizer_lr_backbone=1e-4,
    ),
    export_module="imitate.export.types.act",
    graphs=("model",),
    parity_tolerance=1e-4,
    actions=actions,
)
