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


class Broken(ReadOnly):
    """A de-chunked body whose client left mid-chunk (gunicorn raises NoMoreData)."""

    def read(self, size: int = -1) -> bytes:
        data = super().read(size)
        if not data:
            raise OSError("the client went away")
        return data


def test_a_chunked_body_is_read_to_its_end_only_when_the_server_dechunked_it():
    chunked = {"HTTP_TRANSFER_ENCODING": "chunked"}
    assert BodyReader.chunked({**chunked, "wsgi.input": ReadOnly(b"x")}, 10) is None
    assert BodyReader.chunked({"wsgi.input_terminated": True,
                               "wsgi.input": ReadOnly(b"x")}, 10) is None
    ended = BodyReader.chunked({**chunked, "wsgi.input_terminated": True,
                                "wsgi.input": ReadOnly(b"abc")}, 10)
    assert ended is not None and ended.read() == b"abc" and ended.read() == b""
    assert ended.complete
    cut = BodyReader.chunked({**chunked, "wsgi.input_terminated": True,
                              "wsgi.input": Broken(b"abc")}, 10)
    assert cut is not None and cut.read(3) == b"abc" and cut.read() == b""
    assert not cut.complete
