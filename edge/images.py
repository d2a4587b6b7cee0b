"""Image preprocessing shared by recording, training, export and the robot runtime, so it cannot drift."""
import cv2
import numpy as np


def decode_jpeg(jpeg, rgb=True):
    """JPEG bytes -> (H, W, 3) uint8, RGB (the policies' order) or BGR (OpenCV's, for the encoders);
    ValueError when the bytes are not a decodable JPEG."""
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError("a camera frame is not a decodable JPEG")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB) if rgb else image


def orient(image, rotate, crop=None):
    """The image turned `rotate` degrees clockwise (0, 90, 180, 270), then cut to `crop` (top, left,
    height, width): how a camera mounted on its side (the AI Worker's wrists, 270) is stored and shown
    to the policy. The one place it is done: recording, the runtime before inference and import-bag
    all call it (with a profile camera's `view`)."""
    if rotate not in (0, 90, 180, 270):
        raise ValueError(f"rotate: expected 0, 90, 180 or 270 degrees, got {rotate!r}")
    if rotate:
        image = np.ascontiguousarray(np.rot90(image, k=-rotate // 90))
    if crop:
        top, left, height, width = crop
        if top + height > image.shape[0] or left + width > image.shape[1]:
            raise ValueError(
                f"crop {list(crop)} does not fit a {image.shape[1]}x{image.shape[0]} image: fix the profile"
            )
        image = np.ascontiguousarray(image[top : top + height, left : left + width])
    return image


def unorient(image, rotate):
    """The inverse of orient(): what a camera mounted that way sends (the simulated robot's cameras)."""
    return orient(image, (360 - rotate) % 360) if rotate else image


def crop_as_sent(rotate, crop, sent_size):
    """The (top, left, height, width) of the image the camera sends (`sent_size` = (height, width)) that
    orient(image, rotate, crop) keeps: where the page outlines what is recorded and what the policy
    sees, on the live view the camera sends."""
    top, left, height, width = crop
    sent_h, sent_w = sent_size
    if rotate == 90:  # turned row r is sent column r; turned column c is sent row sent_h - 1 - c
        return sent_h - left - width, top, width, height
    if rotate == 180:
        return sent_h - top - height, sent_w - left - width, height, width
    if rotate == 270:  # turned row r is sent column sent_w - 1 - r; turned column c is sent row c
        return left, sent_w - top - height, width, height
    return top, left, height, width


def decode_images(jpegs, cameras=None, views=None):
    """{camera: JPEG bytes} -> {camera: (H, W, 3) uint8 RGB} for `cameras` (all by default), each
    turned and cropped by its `views[camera]` = (rotate, crop) (orient)."""
    views = views or {}
    return {cam: orient(decode_jpeg(jpegs[cam]), *views.get(cam, (0, None))) for cam in cameras or jpegs}


def resize_rgb(image, size):
    """(H, W, 3) uint8 -> (h, w, 3) uint8 for size=(h, w); area averaging when shrinking. No-op if equal."""
    if size is None or tuple(image.shape[:2]) == tuple(size):
        return image
    interpolation = cv2.INTER_AREA if size[0] < image.shape[0] else cv2.INTER_LINEAR
    return cv2.resize(image, (int(size[1]), int(size[0])), interpolation=interpolation)


def parse_size(text):
    """'96x168' -> (96, 168); ValueError saying the expected form."""
    try:
        height, width = (int(v) for v in str(text).lower().split("x"))
    except ValueError:
        raise ValueError(f"image size {text!r}: expected HEIGHTxWIDTH, e.g. 96x168") from None
    if height <= 0 or width <= 0:
        raise ValueError(f"image size {text!r}: height and width must be positive")
    return height, width
