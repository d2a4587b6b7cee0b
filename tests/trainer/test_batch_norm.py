"""A from-scratch ACT backbone that learns its batch norms, saved so lerobot loads it unchanged."""
import pytest
import torch
from safetensors.torch import load_file

from .test_train import FAST, imitate_train


def tiny_act():
    from lerobot.configs.types import FeatureType, PolicyFeature
    from lerobot.policies.act.configuration_act import ACTConfig
    from lerobot.policies.act.modeling_act import ACTPolicy

    cfg = ACTConfig(
        input_features={
            "observation.state": PolicyFeature(type=FeatureType.STATE, shape=(4,)),
            "observation.images.cam": PolicyFeature(type=FeatureType.VISUAL, shape=(3, 48, 64)),
        },
        output_features={"action": PolicyFeature(type=FeatureType.ACTION, shape=(4,))},
        chunk_size=5,
        n_action_steps=5,
        dim_model=32,
        dim_feedforward=64,
        n_heads=2,
        n_encoder_layers=1,
        n_decoder_layers=1,
        use_vae=False,
        pretrained_backbone_weights=None,
        device="cpu",
    )
    return ACTPolicy(cfg)


def batch(seed, size=4):
    g = torch.Generator().manual_seed(seed)
    return {
        "observation.state": torch.randn(size, 4, generator=g),
        "observation.images.cam": torch.rand(size, 3, 48, 64, generator=g) * 2 + 1,  # not zero-mean
        "action": torch.randn(size, 5, 4, generator=g),
        "action_is_pad": torch.zeros(size, 5, dtype=torch.bool),
    }


def test_thawed_backbone_learns_statistics_and_lerobot_loads_what_it_computes(tmp_path):
    from lerobot.policies.act.modeling_act import ACTPolicy
    from torchvision.ops.misc import FrozenBatchNorm2d

    from imitate.trainer.batch_norm import thaw

    torch.manual_seed(0)
    policy = tiny_act()
    assert thaw(policy) == 20  # ResNet-18: the stem, two per block, three downsamples
    assert not any(isinstance(m, FrozenBatchNorm2d) for m in policy.modules())
    backbone_params = {id(p) for p in policy.get_optim_params()[1]["params"]}
    assert {id(p) for p in policy.model.backbone.bn1.parameters()} <= backbone_params

    params = [p for group in policy.get_optim_params() for p in group["params"]]
    optimizer = torch.optim.AdamW(params, lr=1e-3)
    policy.train()
    for step in range(3):
        loss, _ = policy.forward(batch(step))
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    bn1 = policy.model.backbone.bn1
    assert bn1.running_mean.abs().max() > 0.01 and int(bn1.num_batches_tracked) == 3

    policy.eval()
    observation = {k: v for k, v in batch(99).items() if k.startswith("observation")}
    expected = policy.predict_action_chunk(observation)
    policy.save_pretrained(tmp_path)
    loaded = ACTPolicy.from_pretrained(tmp_path)
    assert isinstance(loaded.model.backbone.bn1, FrozenBatchNorm2d)  # lerobot's own layers
    assert torch.equal(loaded.model.backbone.bn1.running_mean, bn1.running_mean)
    torch.testing.assert_close(loaded.predict_action_chunk(observation), expected, atol=1e-5, rtol=1e-5)


def test_statistics_kept_leaves_running_statistics_alone_and_restores_training():
    from imitate.trainer.batch_norm import statistics_kept, thaw

    policy = tiny_act()
    thaw(policy)
    policy.train()
    before = policy.model.backbone.bn1.running_mean.clone()
    with statistics_kept(policy), torch.no_grad():
        policy.forward(batch(1))
        assert not policy.model.backbone.bn1.training and policy.model.training
    assert torch.equal(policy.model.backbone.bn1.running_mean, before)
    assert policy.model.backbone.bn1.training
    policy.forward(batch(1))
    assert not torch.equal(policy.model.backbone.bn1.running_mean, before)


@pytest.mark.parametrize("flag", ["on", "off"])
def test_train_saves_learnt_or_lerobot_frozen_norms(sim_dataset, tmp_path, flag):
    from lerobot.policies.act.modeling_act import ACTPolicy

    out = tmp_path / flag
    run = imitate_train("--dataset", str(sim_dataset), "--output", str(out), *FAST, "--batch-norm", flag)
    assert run.returncode == 0, run.stderr[-3000:]
    model = out / "checkpoints" / "last" / "pretrained_model"
    saved = load_file(model / "model.safetensors")
    mean = saved["model.backbone.bn1.running_mean"]
    if flag == "off":  # lerobot's FrozenBatchNorm2d: the identity, never updated
        assert torch.count_nonzero(mean) == 0 and "model.backbone.bn1.num_batches_tracked" not in saved
    else:
        assert mean.abs().max() > 0 and int(saved["model.backbone.bn1.num_batches_tracked"]) == 4
        assert torch.equal(ACTPolicy.from_pretrained(model).model.backbone.bn1.running_mean, mean)
