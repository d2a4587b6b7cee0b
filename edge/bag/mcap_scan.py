"""Recovering the messages of an MCAP file that was cut short (a recording killed before its footer).

rosbags needs the footer and summary, which a killed recorder never writes; this reads the records
front to back instead and stops at the first incomplete one. Uncompressed chunks only (what rosbags
and `ros2 bag record` write by default); a compressed chunk ends the recovery with a reason.
"""
import struct

MAGIC = b"\x89MCAP0\r\n"
SCHEMA, CHANNEL, MESSAGE, CHUNK = 0x03, 0x04, 0x05, 0x06


def scan_mcap(path):
    """(channels {id: (topic, message type)}, messages [(log_time_ns, channel id, CDR bytes)], why it
    stopped)."""
    data = open(path, "rb").read()
    if not data.startswith(MAGIC):
        return {}, [], "not an MCAP file (no magic bytes)"
    schemas, channels, messages = {}, {}, []
    stop = _records(data, len(MAGIC), len(data), schemas, channels, messages)
    messages.sort(key=lambda m: m[0])
    return {cid: (topic, schemas.get(sid, "")) for cid, (topic, sid) in channels.items()}, messages, stop


def _records(data, pos, end, schemas, channels, messages):
    """Walk records in data[pos:end]; returns why it stopped ("" at a clean end)."""
    while pos < end:
        if pos + 9 > end:
            return f"cut inside a record header at byte {pos}"
        opcode, length = data[pos], struct.unpack_from("<Q", data, pos + 1)[0]
        body_start, body_end = pos + 9, pos + 9 + length
        if body_end > end:
            if opcode == CHUNK:  # a chunk cut in two: its records up to the cut may still be whole
                return _partial_chunk(data, body_start, end, schemas, channels, messages)
            return f"cut inside a record at byte {pos}"
        body = memoryview(data)[body_start:body_end]
        if opcode == SCHEMA:
            sid = struct.unpack_from("<H", body, 0)[0]
            schemas[sid] = _string(body, 2)[0]
        elif opcode == CHANNEL:
            cid, sid = struct.unpack_from("<HH", body, 0)
            channels[cid] = (_string(body, 4)[0], sid)
        elif opcode == MESSAGE:
            cid, _, log_time = struct.unpack_from("<HIQ", body, 0)
            messages.append((log_time, cid, bytes(body[22:])))
        elif opcode == CHUNK:
            stop = _chunk(body, schemas, channels, messages)
            if stop:
                return stop
        pos = body_end
    return ""


def _chunk(body, schemas, channels, messages, cut=False):
    compression, at = _string(body, 28)  # after start, end, uncompressed size (u64 x3) and crc (u32)
    if compression:
        return f"a {compression}-compressed chunk (recovery reads uncompressed chunks only)"
    size = struct.unpack_from("<Q", body, at)[0]
    records = bytes(body[at + 8 : at + 8 + size])
    stop = _records(records, 0, len(records), schemas, channels, messages)
    return stop or ("the last chunk is cut short" if cut else "")


def _partial_chunk(data, start, end, schemas, channels, messages):
    body = memoryview(data)[start:end]
    if len(body) < 40:
        return "cut inside a chunk header"
    return _chunk(body, schemas, channels, messages, cut=True) or "the last chunk is cut short"


def _string(buf, at):
    n = struct.unpack_from("<I", buf, at)[0]
    return bytes(buf[at + 4 : at + 4 + n]).decode(), at + 4 + n
