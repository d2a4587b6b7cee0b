"""One camera's video, encoded while the episode is recorded, in a background thread.

JPEG bytes from the robot go in; each is decoded exactly once, here, and encoded with PyAV (AV1 via
libsvtav1 by default, as lerobot does; H.264 as an option). Nothing is ever dropped: a queue that
grows past `behind_s` seconds of frames flags the episode as "encoder behind" instead, so an episode
is never silently shortened. Frame stats for stats.json are taken from the decoded frames.
"""
import logging
import queue
import threading
from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np

from ..images import decode_jpeg, orient
from .stats import ImageStats

log = logging.getLogger(__name__)

CODECS = {"av1": "libsvtav1", "h264": "libx264"}  # user-facing name -> FFmpeg encoder


def codec_options(codec, crf=30, g=2):
    """lerobot 0.4.4's encoder settings (a keyframe every 2 frames for cheap seeks, crf 30), tuned to
    finish fast: an episode is saved the moment its encoders have flushed."""
    options = {"g": str(g), "crf": str(crf)}
    if codec == "h264":
        options["tune"] = "zerolatency"  # no lookahead queue: the file is complete right after the last frame
    if codec == "av1":
        options["preset"] = "12"
        options["svtav1-params"] = "lp=1"  # one thread per camera: three cameras share the cores
    return options


@dataclass
class EncodedVideo:
    """What an encoder produced for one episode."""

    frames: int  # frames in the file
    stats: dict  # ImageStats.result()
    max_backlog: int  # largest queue length seen, frames
    behind: bool  # the backlog exceeded the limit at some point
    error: str  # "" when the file is good


class CameraEncoder:
    """Encodes one camera's frames of one episode to `path` (an .mp4)."""

    def __init__(self, path, fps, height, width, codec="av1", behind_s=2.0, name="", rotate=0, crop=None):
        if codec not in CODECS:
            raise ValueError(f"unknown codec {codec!r}: expected one of {', '.join(CODECS)}")
        self.path, self.fps, self.height, self.width, self.codec = path, int(fps), height, width, codec
        # height, width: as stored (after rotate, crop)
        self.name, self.rotate, self.crop = name, rotate, crop
        self._queue = queue.Queue()  # unbounded on purpose: a frame is never dropped
        self._behind_frames = int(behind_s * fps)
        self.max_backlog = 0
        self.behind = False
        self.frames = 0
        self.error = ""
        self._stats = ImageStats()
        self._thread = threading.Thread(target=self._run, name=f"encoder-{name}", daemon=True)
        self._thread.start()

    def put(self, jpeg):
        """Queue one frame (JPEG bytes, or an (H, W, 3) uint8 BGR array)."""
        self._queue.put(jpeg)
        backlog = self._queue.qsize()
        self.max_backlog = max(self.max_backlog, backlog)
        if backlog > self._behind_frames and not self.behind:
            self.behind = True
            log.warning("%s: video encoder is %d frames behind; the episode is flagged", self.name, backlog)

    @property
    def backlog(self):
        """Frames queued, not yet encoded."""
        return self._queue.qsize()

    def finish(self, timeout_s=120.0):
        """Flush and close the file; returns an EncodedVideo."""
        self._queue.put(None)
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            self.error = self.error or f"encoder did not finish within {timeout_s:.0f} s"
        return EncodedVideo(self.frames, self._stats.result(), self.max_backlog, self.behind, self.error)

    def _decode(self, item):
        img = item
        if not isinstance(item, np.ndarray) or item.ndim == 1:  # JPEG bytes: decoded here, once
            img = decode_jpeg(item, rgb=False)
        sent = img.shape[:2]
        img = orient(img, self.rotate, self.crop)
        if img.shape[:2] != (self.height, self.width):
            raise ValueError(
                f"camera {self.name} sent {sent[1]}x{sent[0]} frames, the dataset expects "
                f"{self.width}x{self.height}"
                + (f" after turning them {self.rotate} degrees" if self.rotate else "")
                + (f" and cropping to {list(self.crop)}" if self.crop else "")
                + ": fix the profile's camera size"
            )
        return img

    def _run(self):
        container, finished = None, False
        try:
            container = av.open(str(self.path), "w", format="mp4")
            stream = container.add_stream(CODECS[self.codec], self.fps, options=codec_options(self.codec))
            stream.pix_fmt, stream.width, stream.height = "yuv420p", self.width, self.height
            stream.time_base = Fraction(1, self.fps)
            while (item := self._queue.get()) is not None:
                img = self._decode(item)
                frame = av.VideoFrame.from_ndarray(img, format="bgr24")
                frame.pts, frame.time_base = self.frames, Fraction(1, self.fps)
                for packet in stream.encode(frame):
                    container.mux(packet)
                self._stats.update(img)
                self.frames += 1
            finished = True
            for packet in stream.encode():
                container.mux(packet)
        except Exception as err:  # reported through finish(), never lost
            self.error = str(err)
            log.error("%s: encoding failed: %s", self.name, err)
            while not finished and self._queue.get() is not None:
                pass  # drain, so the recorder never waits on a dead encoder
        finally:
            if container is not None:
                try:
                    container.close()
                except Exception as err:
                    self.error = self.error or str(err)
