"""Bytes are cut into CHUNK-sized pieces and hashed on the side, from any plain stream."""

import hashlib
import io
import zlib

from compartilha.hashing import CHUNK, BackgroundDigest, Digest, HashPipe, hashed_chunks
from compartilha.http.bodies import BodyReader
from tests.http.test_bodies import ReadOnly

DATA = bytes(range(256)) * (3 * CHUNK // 256 + 7)


def hashed(stream) -> tuple[bytes, str, int]:
    hasher = hashlib.sha256()
    pipe = HashPipe([hasher])
    pieces = [bytes(chunk) for chunk in hashed_chunks(stream, pipe)]
    pipe.close()
    assert all(len(piece) <= CHUNK for piece in pieces)
    return b"".join(pieces), hasher.hexdigest(), len(pieces)


def test_a_stream_with_readinto_fills_pooled_buffers():
    data, digest, pieces = hashed(io.BytesIO(DATA))
    assert data == DATA and digest == hashlib.sha256(DATA).hexdigest()
    assert pieces == -(-len(DATA) // CHUNK)


def test_a_stream_with_read_only_is_taken_as_read_returns_it():
    data, digest, _ = hashed(ReadOnly(DATA))
    assert data == DATA and digest == hashlib.sha256(DATA).hexdigest()


def test_a_request_body_without_readinto_is_read_not_copied_into_buffers():
    body = BodyReader({"wsgi.input": ReadOnly(DATA)}, len(DATA) - 5)
    assert body.readinto_copies
    data, digest, _ = hashed(body)
    assert data == DATA[:-5] and digest == hashlib.sha256(DATA[:-5]).hexdigest()
    assert body.complete
    assert not BodyReader({"wsgi.input": io.BytesIO(DATA)}, 1).readinto_copies


def test_a_digest_is_the_sha256_and_the_crc32_of_the_same_bytes():
    digest = Digest()
    for start in range(0, len(DATA), 70_000):
        digest.update(memoryview(DATA)[start:start + 70_000])
    assert digest.hexdigest() == hashlib.sha256(DATA).hexdigest()
    assert digest.crc32 == zlib.crc32(DATA)


def test_a_background_digest_hashes_large_files_on_its_thread():
    data = DATA * 8  # past INLINE_BYTES: the helper thread takes over
    assert len(data) > BackgroundDigest.INLINE_BYTES
    digest = BackgroundDigest()
    for start in range(0, len(data), 65_536):
        digest.update(data[start:start + 65_536])
    assert digest.crc32 == zlib.crc32(data)
    assert digest.hexdigest() == hashlib.sha256(data).hexdigest()
