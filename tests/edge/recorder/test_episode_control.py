"""Episode control: retry, skip, multi-task, next, finish, resume, and the leader's buttons."""
import pyarrow.parquet as pq
import pytest

from imitate.edge import messages as m
from imitate.edge.dataset import DatasetError, DatasetWriter
from imitate.edge.recorder import RecordConfig

from .conftest import PROFILE


def tasks_of(root):
    return [
        pq.read_table(p).to_pylist()[0]["tasks"][0]
        for p in sorted((root / "meta/episodes").glob("*/*.parquet"))
    ]


def test_retry_discards_and_records_again(rig):
    _, record = rig
    writer, _, status, events = record(episodes=2, commands=[("recording", 1, "retry")])
    assert status.saved == 2 and writer.total_episodes == 2
    assert any("discarded" in e["message"] for e in events)
    assert (
        sum(
            1
            for e, f in zip(events, events[1:], strict=False)
            if f["phase"] == "recording" and e["phase"] != "recording"
        )
        == 3
    )


def test_skip_moves_to_the_next_task_without_saving(rig):
    _, record = rig
    writer, _, status, _ = record(episodes=2, tasks=("a", "b", "c"), commands=[("recording", 1, "skip")])
    assert tasks_of(writer.root) == ["b", "c"]


def test_multi_task_cycles_tasks(rig):
    _, record = rig
    writer, _, _, _ = record(episodes=3, tasks=("a", "b"))
    assert tasks_of(writer.root) == ["a", "b", "a"]
    assert pq.read_table(writer.root / "meta/tasks.parquet").to_pydict()["__index_level_0__"] == ["a", "b"]


def test_next_saves_early_and_finish_saves_the_current_episode(rig):
    _, record = rig

    box = {}  # set once the action is done

    def finish_second(event):
        if event["phase"] == "recording" and event["saved"] == 1 and event["frames"] >= 10 and not box:
            box["done"] = recorder_box[0].command("finish") or True

    recorder_box = []
    writer, _, status, _ = record(
        episodes=5,
        episode_time_s=5.0,
        commands=[("recording", 1, "next")],
        listeners=[finish_second],
        on_recorder=recorder_box.append,
    )
    assert status.phase == "finished" and status.saved == 2
    lengths = [pq.read_table(p).num_rows for p in sorted((writer.root / "data").glob("*/*.parquet"))]
    assert all(n < 60 for n in lengths)  # far shorter than the 5 s limit


def test_resume_appends_and_refuses_without_flag(rig, tmp_path):
    _, record = rig
    record(episodes=1, tasks=("a",))
    with pytest.raises(DatasetError, match="pass --resume"):
        DatasetWriter(tmp_path / "ds", PROFILE)
    writer, _, status, _ = record(episodes=2, tasks=("b",), resume=True)
    assert writer.total_episodes == 3 and status.episode == 3
    assert tasks_of(writer.root) == ["a", "b", "b"]
    index = pq.read_table(writer.root / "data/chunk-000/file-002.parquet").to_pydict()["index"]
    first = pq.read_table(writer.root / "meta/episodes/chunk-000/file-002.parquet").to_pydict()[
        "dataset_from_index"
    ][0]
    assert index[0] == first and first > 0


def test_resume_with_another_profile_is_refused(rig, tmp_path):
    from imitate.edge.profile import load_profile

    _, record = rig
    record(episodes=1)
    with pytest.raises(DatasetError, match="use the profile it was recorded with"):
        DatasetWriter(tmp_path / "ds", load_profile("ai_worker_sg2"), resume=True)


def test_leader_buttons_drive_the_recorder(rig):
    robot, record = rig
    pressed = []

    def operator(event):  # the operator ends each episode early with the leader's 'right' button
        if event["phase"] == "recording" and event["frames"] >= 15 and len(pressed) <= event["saved"]:
            pressed.append(event["saved"])
            robot.transport.publish(PROFILE.trigger_topic, "std_msgs/msg/String", m.string("right"))

    writer, _, status, _ = record(episodes=2, episode_time_s=5.0, listeners=[operator])
    lengths = [pq.read_table(p).num_rows for p in sorted((writer.root / "data").glob("*/*.parquet"))]
    assert status.saved == 2 and all(15 <= n < 40 for n in lengths), lengths


def test_bad_config_is_refused():
    with pytest.raises(ValueError, match="at least one non-empty task"):
        RecordConfig(tasks=("",))
    with pytest.raises(ValueError, match="episodes must be positive"):
        RecordConfig(episodes=0)


def entered(events, phase):
    """How many times the recorder entered `phase`."""
    return sum(
        1
        for e, f in zip([{"phase": None}] + events, events, strict=False)
        if f["phase"] == phase and e["phase"] != phase
    )


def assert_consistent(writer):
    """info.json's totals are the episodes on disk, and lerobot's reader would find each file."""
    import json

    info = json.loads((writer.root / "meta/info.json").read_text())
    lengths = [pq.read_table(p).num_rows for p in sorted((writer.root / "data").glob("*/*.parquet"))]
    assert info["total_episodes"] == len(lengths) and info["total_frames"] == sum(lengths)
    assert len(list((writer.root / "meta/episodes").glob("*/*.parquet"))) == len(lengths)
    for key in writer.video_keys:
        assert len(list((writer.root / "videos" / key).glob("*/*.mp4"))) == len(lengths)


def test_retry_during_the_reset_undoes_the_last_save(rig):
    _, record = rig
    writer, _, status, events = record(
        episodes=2, tasks=("a", "b"), reset_time_s=0.5, commands=[("reset", 1, "retry")]
    )
    assert any("episode 0 removed" in e["message"] for e in events)
    assert status.saved == 2 and writer.total_episodes == 2
    assert tasks_of(writer.root) == ["a", "b"]  # the removed "a" was recorded again, then "b"
    assert entered(events, "recording") == 3
    assert_consistent(writer)


def test_retry_pressed_as_the_reset_ends_undoes_the_last_save_too(rig):
    """The reset ended (0 s) and the next episode began by itself: a retry in its first second was
    meant for the episode just saved, which is removed, and the new fragment is dropped."""
    _, record = rig
    writer, _, status, events = record(episodes=2, tasks=("a", "b"), commands=[("recording", 2, "retry")])
    assert any("episode 0 removed" in e["message"] for e in events)
    assert tasks_of(writer.root) == ["a", "b"]
    assert entered(events, "recording") == 4  # a (removed), the fragment of b (dropped), a again, b
    assert_consistent(writer)


def test_a_late_retry_discards_only_the_episode_being_recorded(rig):
    _, record = rig
    recorder_box = []

    box = {}  # set once the action is done

    def late_retry(event):
        if event["phase"] == "recording" and event["saved"] == 1 and event["elapsed_s"] > 1.2 and not box:
            box["done"] = recorder_box[0].command("retry") or True

    writer, _, status, events = record(
        episodes=2,
        tasks=("a", "b"),
        episode_time_s=3.0,
        listeners=[late_retry],
        on_recorder=recorder_box.append,
    )
    assert not any("removed" in e["message"] for e in events)
    assert tasks_of(writer.root) == ["a", "b"] and status.saved == 2
    assert_consistent(writer)


def test_an_estop_while_recording_marks_the_episode(rig):
    _, record = rig
    recorder_box = []

    box = {}  # set once the action is done

    def estop_once(event):
        if event["phase"] == "recording" and event["saved"] == 0 and event["frames"] >= 5 and not box:
            box["done"] = recorder_box[0].flag("estop") or True

    writer, _, _, _ = record(episodes=2, listeners=[estop_once], on_recorder=recorder_box.append)
    flags = [
        pq.read_table(p).to_pylist()[0]["imitate/flags"]
        for p in sorted((writer.root / "meta/episodes").glob("*/*.parquet"))
    ]
    assert flags == [["estop"], []]
