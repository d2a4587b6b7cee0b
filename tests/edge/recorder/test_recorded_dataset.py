"""Datasets recorded through the sampler and writer load in lerobot 0.4.4 exactly as recorded."""
import json

import cv2
import numpy as np
import pyarrow.parquet as pq
import pytest

from .conftest import PROFILE

lerobot_dataset = pytest.importorskip("lerobot.datasets.lerobot_dataset", reason="lerobot not installed")


def load(root, **kwargs):
    return lerobot_dataset.LeRobotDataset("local/test", root=root, video_backend="pyav", **kwargs)


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 99.0 if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


@pytest.mark.parametrize("codec", ["h264", "av1"])
def test_lerobot_loads_what_was_recorded(rig, tmp_path, codec):
    _, record = rig
    writer, _, status, _ = record(codec=codec, tasks=("pick the ball", "lift the ball"))
    assert status.phase == "finished" and status.saved == 2
    ds = load(writer.root)
    lengths = [len(ep) for ep in writer.tapped]
    assert ds.num_episodes == 2 and len(ds) == sum(lengths)
    assert list(ds.meta.tasks.index) == ["pick the ball", "lift the ball"]
    info = json.loads((writer.root / "meta/info.json").read_text())
    head = info["features"]["observation.images.cam_head"]["shape"]
    assert info["total_frames"] == sum(lengths) and head == [*PROFILE.camera("cam_head").stored_size, 3]
    start = 0
    for ep, frames in enumerate(writer.tapped):
        first, last = ds[start], ds[start + len(frames) - 1]
        assert first["episode_index"].item() == ep and first["frame_index"].item() == 0
        assert (
            last["frame_index"].item() == len(frames) - 1
            and last["task"] == ("pick the ball", "lift the ball")[ep]
        )
        assert first["timestamp"].item() == 0.0 and last["timestamp"].item() == pytest.approx(
            (len(frames) - 1) / 30
        )
        for i in (0, len(frames) // 2, len(frames) - 1):  # decoded video frames match what the robot sent
            item = ds[start + i]
            state, action, images = frames[i]
            np.testing.assert_array_equal(item["observation.state"].numpy(), state)
            np.testing.assert_array_equal(item["action"].numpy(), action)
            for cam in PROFILE.camera_names:
                sent = cv2.cvtColor(
                    cv2.imdecode(np.frombuffer(images[cam], np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB
                )
                if PROFILE.camera(cam).crop:  # the sim's head camera is stored cut to the table
                    top, left, h, w = PROFILE.camera(cam).crop
                    sent = sent[top : top + h, left : left + w]
                got = (
                    (item[f"observation.images.{cam}"].numpy().transpose(1, 2, 0) * 255)
                    .round()
                    .astype(np.uint8)
                )
                assert psnr(sent, got) >= 30.0, (cam, i, psnr(sent, got))
        start += len(frames)


def test_state_and_action_are_mapped_by_name_from_single_messages(rig):
    _, record = rig
    writer, _, _, _ = record(episodes=1)
    data = pq.read_table(writer.root / "data/chunk-000/file-000.parquet").to_pydict()
    joints = np.arange(len(PROFILE.joint_names))
    for state, action in zip(np.array(data["observation.state"]), np.array(data["action"]), strict=True):
        k = state - joints  # the fake robot sends j + k/1000: one k per message, whatever the order
        assert np.allclose(k, k[0], atol=1e-4) and k[0] >= 0
        assert (action <= -joints + 1e-4).all()


def test_stats_match_the_data(rig):
    _, record = rig
    writer, _, _, _ = record()
    stats = json.loads((writer.root / "meta/stats.json").read_text())
    state = np.concatenate([np.stack([f[0] for f in ep]) for ep in writer.tapped])
    np.testing.assert_allclose(stats["observation.state"]["mean"], state.mean(0), rtol=1e-5)
    np.testing.assert_allclose(stats["observation.state"]["std"], state.std(0), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(stats["observation.state"]["min"], state.min(0))
    assert stats["observation.state"]["count"] == [len(state)]
    img = np.array(stats["observation.images.cam_head"]["mean"])
    assert img.shape == (3, 1, 1) and (0 < img).all() and (img < 1).all()
    ds = load(writer.root)
    assert set(ds.meta.stats) >= {"observation.state", "action", "observation.images.cam_wrist_1"}


def test_a_lerobot_act_training_step_runs_on_a_batch(rig):
    torch = pytest.importorskip("torch")
    from lerobot.configs.types import FeatureType
    from lerobot.datasets.utils import dataset_to_policy_features
    from lerobot.policies.act.configuration_act import ACTConfig
    from lerobot.policies.act.modeling_act import ACTPolicy
    from lerobot.policies.factory import make_pre_post_processors

    _, record = rig
    writer, _, _, _ = record(episodes=1)
    features = dataset_to_policy_features(
        json.loads((writer.root / "meta/info.json").read_text())["features"]
    )
    outputs = {k: f for k, f in features.items() if f.type is FeatureType.ACTION}
    inputs = {k: f for k, f in features.items() if k not in outputs}
    cfg = ACTConfig(
        input_features=inputs,
        output_features=outputs,
        chunk_size=5,
        n_action_steps=5,
        dim_model=32,
        dim_feedforward=64,
        n_heads=2,
        n_encoder_layers=1,
        n_decoder_layers=1,
        latent_dim=8,
        pretrained_backbone_weights=None,
        device="cpu",
    )
    ds = load(writer.root, delta_timestamps={"action": [i / 30 for i in range(5)]})
    pre, _ = make_pre_post_processors(cfg, dataset_stats=ds.meta.stats)
    policy = ACTPolicy(cfg)
    batch = pre(next(iter(torch.utils.data.DataLoader(ds, batch_size=2, shuffle=True))))
    loss, _ = policy.forward(batch)
    loss.backward()
    assert torch.isfinite(loss)
