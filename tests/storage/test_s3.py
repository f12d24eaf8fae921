"""S3 specifics on a real server (SeaweedFS): signatures, multipart uploads, ranged reads."""

import http.client
import threading
import time
import urllib.request

import pytest
from botocore.exceptions import ClientError

from compartilha.storage import from_url
from compartilha.storage.interface import upload_key
from compartilha.storage.s3 import PART_SIZE, S3Error, S3Storage, part_size_for, reader, writer

MIB = 1024 * 1024


@pytest.fixture
def storage(seaweedfs, monkeypatch):
    for name, value in seaweedfs.env().items():
        monkeypatch.setenv(name, value)
    return from_url(seaweedfs.storage_url(), {"S3_ENDPOINT_URL": seaweedfs.endpoint})


def uploads_in_progress(seaweedfs, storage):
    listing = seaweedfs.client().list_multipart_uploads(Bucket=seaweedfs.bucket,
                                                        Prefix=storage.bucket.prefix + "/")
    return listing.get("Uploads", [])


def test_from_url_and_keys_stay_under_the_prefix(seaweedfs):
    storage = from_url("s3://bucket-x/a/b/", {"S3_ENDPOINT_URL": seaweedfs.endpoint})
    assert isinstance(storage, S3Storage)
    assert (storage.bucket.name, storage.bucket.prefix) == ("bucket-x", "a/b")
    assert storage.bucket.object_name("ab/cd") == "a/b/ab/cd"
    for bad in ["", "../x", "ab/../cd", "/etc", "a//b"]:
        with pytest.raises(ValueError):
            storage.bucket.object_name(bad)
    with pytest.raises(ValueError):
        from_url("s3:///prefix")


def test_wrong_secret_is_refused(seaweedfs, storage, monkeypatch):
    with pytest.raises(ClientError) as info:
        seaweedfs.client(secret_key="not-the-secret").list_objects_v2(Bucket=seaweedfs.bucket)
    assert info.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    impostor = from_url(f"s3://{seaweedfs.bucket}/{storage.bucket.prefix}",
                        {"S3_ENDPOINT_URL": seaweedfs.endpoint})
    writer = impostor.writer()
    writer.write(b"x")
    with pytest.raises(S3Error):
        writer.commit()
    writer.abort()


def test_multipart_upload_is_invisible_until_commit_and_memory_stays_bounded(seaweedfs, storage):
    writer = storage.writer()
    chunk = b"z" * (256 * 1024)
    for _ in range(4 * PART_SIZE // len(chunk) // 3):  # 1.33 parts
        writer.write(chunk)
        assert writer._filled < PART_SIZE  # the part filling, the full one went up
    assert len(uploads_in_progress(seaweedfs, storage)) == 1
    assert list(storage.keys()) == []
    key = writer.commit()
    assert list(storage.keys()) == [key] and uploads_in_progress(seaweedfs, storage) == []
    assert storage.size(key) == writer.size


def slow_part_uploads(storage, monkeypatch, fail_part=0):
    """Make each part upload take a while (the first one longest, so parts finish out of
    order), fail part `fail_part`, and record how many are in flight at once."""
    real = storage.bucket.client.upload_part
    stats = {"now": 0, "most": 0, "bodies": []}
    lock = threading.Lock()

    def upload_part(**kw):
        with lock:
            stats["now"] += 1
            stats["most"] = max(stats["most"], stats["now"])
            stats["bodies"].append(kw["Body"])
        try:
            time.sleep(0.4 if kw["PartNumber"] == 1 else 0.1)
            if kw["PartNumber"] == fail_part:
                raise S3Error("part refused")
            return real(**kw)
        finally:
            with lock:
                stats["now"] -= 1

    monkeypatch.setattr(storage.bucket.client, "upload_part", upload_part)
    return stats


def test_parts_go_up_in_parallel_in_order_from_a_bounded_set_of_buffers(seaweedfs, storage,
                                                                       monkeypatch):
    storage.upload_concurrency = 3
    stats = slow_part_uploads(storage, monkeypatch)
    data = b"".join(bytes([i]) * PART_SIZE for i in range(7)) + b"end"
    writer = storage.writer()
    for start in range(0, len(data), 1_000_000):
        writer.write(data[start:start + 1_000_000])
        assert writer._buffers <= 3  # never more than concurrency × part size held
    key = writer.commit()
    assert stats["most"] == 3  # parts overlap, but no more than the concurrency
    assert writer._buffers == 3
    # 7 full parts went up from 3 buffers, reused rather than copied or reallocated
    assert len({id(body) for body in stats["bodies"][:7]}) == 3
    with storage.open(key) as fh:
        assert fh.read() == data  # part 1 finished last, yet the bytes are in order
    assert uploads_in_progress(seaweedfs, storage) == []


@pytest.mark.parametrize("fail_part", [2, 8])
def test_a_failed_part_aborts_the_upload_and_leaves_nothing(seaweedfs, storage, monkeypatch,
                                                           fail_part):
    stats = slow_part_uploads(storage, monkeypatch, fail_part=fail_part)
    writer = storage.writer()
    with pytest.raises(S3Error):
        for _ in range(8):
            writer.write(b"f" * PART_SIZE)
        writer.write(b"tail")
        writer.commit()  # part 8 is only waited for here
    assert stats["now"] == 0  # no part still being sent behind the abort
    assert uploads_in_progress(seaweedfs, storage) == [] and list(storage.keys()) == []
    writer.abort()  # harmless again


def test_upload_concurrency_comes_from_the_configuration(seaweedfs):
    storage = from_url(seaweedfs.storage_url(), {"S3_ENDPOINT_URL": seaweedfs.endpoint,
                                                 "S3_UPLOAD_CONCURRENCY": "6"})
    assert storage.writer()._concurrency == 6
    default = from_url(seaweedfs.storage_url(), {"S3_ENDPOINT_URL": seaweedfs.endpoint})
    assert default.writer()._concurrency == writer.UPLOAD_CONCURRENCY


def test_abort_drops_the_multipart_upload(seaweedfs, storage):
    writer = storage.writer()
    writer.write(b"y" * (PART_SIZE + 10))
    assert len(uploads_in_progress(seaweedfs, storage)) == 1
    writer.abort()
    assert uploads_in_progress(seaweedfs, storage) == [] and list(storage.keys()) == []


def test_reader_crosses_ranged_get_windows(storage, monkeypatch):
    monkeypatch.setattr(reader, "FIRST_WINDOW", 500)
    monkeypatch.setattr(reader, "READ_WINDOW", 1000)
    gets = []
    data = bytes(range(256)) * 40
    writer = storage.writer()
    writer.write(data)
    key = writer.commit()
    with storage.open(key) as fh:
        real_get = storage.bucket.client.get_object
        monkeypatch.setattr(storage.bucket.client, "get_object",
                            lambda **kw: gets.append(kw["Range"]) or real_get(**kw))
        assert b"".join(iter(lambda: fh.read(300), b"")) == data
        assert gets[:3] == ["bytes=0-499", "bytes=500-1499", "bytes=1500-2499"]
        fh.seek(2500)
        assert fh.read(1000) == data[2500:3500] and gets[-1] == "bytes=2500-3499"


def test_part_size_grows_with_the_upload_limit():
    assert part_size_for(None) == part_size_for(MIB) == PART_SIZE
    assert part_size_for(200 * 1024**3) * 9_999 >= 200 * 1024**3


def test_presigned_url_serves_an_attachment(storage, tmp_path):
    writer = storage.writer()
    writer.write(b"direct bytes")
    key = writer.commit()
    url = storage.presigned_url(key, disposition='attachment; filename="r.txt"',
                                content_type="text/plain", expires=60)
    with urllib.request.urlopen(url) as response:  # noqa: S310 - the local test server
        assert response.read() == b"direct bytes"
        assert response.headers["Content-Disposition"] == 'attachment; filename="r.txt"'
    local = from_url(f"file://{tmp_path}/files")
    assert local.presigned_url(key, disposition="attachment", content_type="x/y") is None


def raw_names(seaweedfs, storage) -> list[str]:
    listing = seaweedfs.client().list_objects_v2(Bucket=seaweedfs.bucket,
                                                 Prefix=storage.bucket.prefix + "/")
    return [item["Key"] for item in listing.get("Contents", [])]


def test_resumable_finish_removes_its_pieces_and_abort_cleans_a_crashed_finish(seaweedfs,
                                                                               storage):
    handle = storage.start_upload()
    storage.append(handle, 0, [b"p" * (9 * MIB)])
    names = [name.rsplit("/", 1)[1][0] for name in raw_names(seaweedfs, storage)]
    assert sorted(names) == ["c", "p", "t"]  # an 8 MiB chunk, the mark of its copy, the tail
    key = storage.finish_upload(handle)
    assert raw_names(seaweedfs, storage) == [storage.bucket.object_name(key)]
    assert uploads_in_progress(seaweedfs, storage) == []
    assert storage.finish_upload(handle) == key  # a retried finish is harmless

    crashed = storage.start_upload()
    storage.append(crashed, 0, [b"q" * 10])
    final = storage.bucket.object_name(upload_key(crashed))
    seaweedfs.client().create_multipart_upload(Bucket=seaweedfs.bucket, Key=final)
    storage.abort_upload(crashed)  # what the expiry of a tus upload calls
    assert uploads_in_progress(seaweedfs, storage) == []
    assert raw_names(seaweedfs, storage) == [storage.bucket.object_name(key)]


def test_fsck_finds_and_removes_abandoned_multipart_uploads(seaweedfs, storage):
    writer = storage.writer()
    writer.write(b"w" * (PART_SIZE + 1))  # one part sent, then the writer's process "died"
    assert storage.stale_partials(3600) == []  # recent: may be an upload in progress
    [name] = storage.stale_partials(-60)  # as if an hour had passed
    assert name.startswith(writer._key + " ")
    storage.remove_partial(name)
    assert uploads_in_progress(seaweedfs, storage) == []
    with pytest.raises(ValueError):
        storage.remove_partial("no-upload-id")
    writer.abort()


def test_resumable_append_puts_chunks_in_parallel_from_bounded_buffers(seaweedfs, storage,
                                                                      monkeypatch):
    storage.resumable.concurrency = 3
    real, lock = storage.bucket.put, threading.Lock()
    stats = {"now": 0, "most": 0, "buffers": set()}

    def put(name, data):
        if len(data) != PART_SIZE:  # the tail, the marks of copies
            return real(name, data)
        with lock:
            stats["now"] += 1
            stats["most"] = max(stats["most"], stats["now"])
            stats["buffers"].add(id(data))
        try:
            time.sleep(0.2)
            return real(name, data)
        finally:
            with lock:
                stats["now"] -= 1

    monkeypatch.setattr(storage.bucket, "put", put)
    handle = storage.start_upload()
    data = b"".join(bytes([i]) * PART_SIZE for i in range(6)) + b"tail"
    pieces = [data[start:start + 1_000_000] for start in range(0, len(data), 1_000_000)]
    assert storage.append(handle, 0, pieces) == len(data)
    assert stats["most"] == 3 and len(stats["buffers"]) == 3  # 6 chunks, 3 buffers reused
    assert b"".join(storage.read_upload(handle, len(data))) == data
    storage.append(handle, 3 * PART_SIZE + 5, [b"again"])  # cut back into a chunk
    expected = data[:3 * PART_SIZE + 5] + b"again"
    assert b"".join(storage.read_upload(handle, len(expected))) == expected
    key = storage.finish_upload(handle)
    with storage.open(key) as fh:
        assert fh.read() == expected


def test_a_failed_chunk_put_fails_the_append_and_keeps_the_acknowledged_bytes(storage,
                                                                             monkeypatch):
    handle = storage.start_upload()
    storage.append(handle, 0, [b"a" * (PART_SIZE + 100)])
    real = storage.bucket.put

    def put(name, data):
        if name.endswith("c000003"):
            raise S3Error("refused")
        return real(name, data)

    monkeypatch.setattr(storage.bucket, "put", put)
    with pytest.raises(S3Error):
        storage.append(handle, PART_SIZE + 100, [b"b" * (5 * PART_SIZE)])
    monkeypatch.undo()
    storage.append(handle, PART_SIZE + 100, [b"c" * 10])  # the client resumes where it was
    expected = b"a" * (PART_SIZE + 100) + b"c" * 10
    assert b"".join(storage.read_upload(handle, len(expected))) == expected
    with storage.open(storage.finish_upload(handle)) as fh:
        assert fh.read() == expected


def test_resumable_chunks_are_copied_into_the_final_upload_as_they_arrive(seaweedfs, storage,
                                                                         monkeypatch):
    handle = storage.start_upload()
    data = b"".join(bytes([i]) * PART_SIZE for i in range(3)) + b"tail"
    storage.append(handle, 0, [data[:PART_SIZE + 7]])
    storage.append(handle, PART_SIZE + 7, [data[PART_SIZE + 7:]])
    [upload] = uploads_in_progress(seaweedfs, storage)  # the final object's, parts copied
    assert upload["Key"] == storage.bucket.object_name(upload_key(handle))
    storage.append(handle, 2 * PART_SIZE + 1, [data[2 * PART_SIZE + 1:]])  # rewrites chunk 2
    real, copies = storage.bucket.client.upload_part_copy, []
    monkeypatch.setattr(storage.bucket.client, "upload_part_copy",
                        lambda **kw: copies.append(kw["PartNumber"]) or real(**kw))
    key = storage.finish_upload(handle)
    assert copies == [4]  # only the tail: chunks were copied when they were stored
    with storage.open(key) as fh:
        assert fh.read() == data
    assert uploads_in_progress(seaweedfs, storage) == []


def test_finish_copies_again_parts_that_do_not_match_their_chunk(seaweedfs, storage,
                                                                 monkeypatch):
    handle = storage.start_upload()
    data = bytes([1]) * PART_SIZE + bytes([2]) * PART_SIZE + b"end"
    real = storage.bucket.client.upload_part_copy
    monkeypatch.setattr(storage.bucket.client, "upload_part_copy",
                        lambda **kw: (_ for _ in ()).throw(S3Error("copy refused")))
    storage.append(handle, 0, [data])  # stored; the early copies failed (logged)
    monkeypatch.setattr(storage.bucket.client, "upload_part_copy", real)
    final = storage.bucket.object_name(upload_key(handle))
    client = seaweedfs.client()
    [upload] = uploads_in_progress(seaweedfs, storage)
    client.upload_part(Bucket=seaweedfs.bucket, Key=final, UploadId=upload["UploadId"],
                       PartNumber=1, Body=b"x" * PART_SIZE)  # a part holding other bytes
    with storage.open(storage.finish_upload(handle)) as fh:
        assert fh.read() == data
    assert uploads_in_progress(seaweedfs, storage) == []


def test_reader_reads_from_the_http_response_itself_and_keeps_its_connection(storage,
                                                                            monkeypatch):
    monkeypatch.setattr(reader, "FIRST_WINDOW", 3 * MIB)
    data = bytes(range(256)) * (4 * MIB // 256) + b"!"
    w = storage.writer()
    w.write(data)
    key = w.commit()
    with storage.open(key) as fh:
        first = fh.read(MIB)
        # no botocore/urllib3 wrapper in between: one copy, from the socket
        assert isinstance(fh._stream, http.client.HTTPResponse)
        buffer = bytearray(2 * MIB)
        assert fh.readinto(buffer) == 2 * MIB  # to the end of the first window
        assert fh._stream is None  # read out: its connection went back to the pool
        rest = fh.read()
    assert first + bytes(buffer) + rest == data


def test_fsck_leaves_the_final_upload_of_a_tus_upload_in_progress_alone(seaweedfs, storage):
    handle = storage.start_upload()
    storage.append(handle, 0, [b"k" * (PART_SIZE + 1)])  # a chunk, copied into the final upload
    assert len(uploads_in_progress(seaweedfs, storage)) == 1
    assert storage.stale_partials(-60) == []  # the tus upload's expiry owns it, not fsck
    storage.abort_upload(handle)
    assert uploads_in_progress(seaweedfs, storage) == []


def read_ahead_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "s3-read-ahead"]


def test_reader_reads_ahead_on_a_thread_with_bounded_memory_in_odd_pieces(storage,
                                                                           monkeypatch):
    monkeypatch.setattr(reader, "FIRST_WINDOW", 100_000)
    monkeypatch.setattr(reader, "READ_AHEAD_AFTER", 150_000)
    monkeypatch.setattr(reader, "READ_AHEAD", 4 * reader.MIN_PIECE)
    data = bytes(range(251)) * (3 * MIB // 251)
    w = storage.writer()
    w.write(data)
    key = w.commit()
    with storage.open(key) as fh:
        got = [fh.read(70_001) for _ in range(9)]  # past READ_AHEAD_AFTER and two GETs
        assert fh._ahead is not None and read_ahead_threads()
        time.sleep(0.3)  # the thread fills its queue, then waits: bounded
        assert fh._ahead.items.qsize() <= 4
        got.append(fh.read(3))  # smaller than a piece: the rest is kept for the next read
        got += list(iter(lambda: fh.read(100_003), b""))
        assert b"".join(got) == data and fh.tell() == len(data)
        fh.seek(1000)  # a seek stops the read-ahead and reads from there
        assert fh._ahead is None and fh.read(10) == data[1000:1010]
    assert read_ahead_threads() == []


def test_a_cut_download_stops_the_read_ahead_and_frees_its_pieces(storage, monkeypatch):
    monkeypatch.setattr(reader, "READ_AHEAD_AFTER", 1)
    monkeypatch.setattr(reader, "READ_AHEAD", 4 * reader.MIN_PIECE)
    data = b"x" * (16 * MIB)
    w = storage.writer()
    w.write(data)
    key = w.commit()
    fetched = []
    real_get = storage.bucket.client.get_object
    monkeypatch.setattr(storage.bucket.client, "get_object",
                        lambda **kw: fetched.append(kw["Range"]) or real_get(**kw))
    fh = storage.open(key)
    assert fh.read(reader.FIRST_WINDOW) == data[:reader.FIRST_WINDOW]  # one GET, read out
    assert fh.read(reader.MIN_PIECE) == data[:reader.MIN_PIECE]  # the read-ahead's first piece
    ahead = fh._ahead
    assert ahead is not None and ahead.thread.is_alive()
    time.sleep(0.3)
    fh.close()  # the client went away: gunicorn closes the body
    assert not ahead.thread.is_alive() and ahead.items.qsize() == 0 and read_ahead_threads() == []
    # it stopped at its bound: the second GET (1 MiB window) was not even read out
    assert fetched == [f"bytes=0-{reader.FIRST_WINDOW - 1}",
                       f"bytes={reader.FIRST_WINDOW}-{reader.FIRST_WINDOW * 5 - 1}"]


def test_a_failing_get_on_the_read_ahead_thread_is_raised_to_the_reader(storage, monkeypatch):
    monkeypatch.setattr(reader, "READ_AHEAD_AFTER", 1)
    data = b"y" * (2 * MIB)
    w = storage.writer()
    w.write(data)
    key = w.commit()
    fh = storage.open(key)
    assert fh.read(reader.FIRST_WINDOW) == data[:reader.FIRST_WINDOW]

    def broken(**kw):
        raise ClientError({"Error": {"Code": "InternalError", "Message": "boom"}}, "GetObject")

    monkeypatch.setattr(storage.bucket.client, "get_object", broken)
    with pytest.raises(S3Error):
        fh.read(MIB)
    assert fh._ahead is None and read_ahead_threads() == []
    fh.close()
