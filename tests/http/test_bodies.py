"""The request-body reader works on any WSGI input: with `readinto` (the test client) or
with `read` only (gunicorn's body)."""

import io

from compartilha.http.bodies import BodyReader


class ReadOnly:
    """Like gunicorn's request body: `read(n)` and nothing else."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._data.read(size)


def test_readinto_works_on_a_stream_without_readinto():
    reader = BodyReader({"wsgi.input": ReadOnly(b"abcdefgh")}, 6)
    buffer = bytearray(4)
    assert reader.readinto(buffer) == 4 and bytes(buffer) == b"abcd"
    assert reader.readinto(buffer) == 2 and bytes(buffer[:2]) == b"ef"
    assert reader.readinto(buffer) == 0  # never past the declared length
    assert reader.complete


def test_a_short_body_is_incomplete():
    reader = BodyReader({"wsgi.input": ReadOnly(b"abc")}, 6)
    assert reader.readinto(bytearray(8)) == 3
    assert not reader.complete and reader.failed
