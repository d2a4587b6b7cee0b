"""Image preprocessing shared by training, export and the robot runtime, so it cannot drift."""
import cv2


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
