"""Request and response schemas: they validate input and generate the OpenAPI document."""

from apiflask import Schema
from apiflask.fields import AwareDateTime, Boolean, DateTime, File, Integer, String
from apiflask.validators import Length, Range
from marshmallow.fields import Nested

from ..services.validation import PASSWORD_MAX, PASSWORD_MIN


class UserOut(Schema):
    id = Integer()
    name = String()
    email = String()
    created_at = DateTime()


class UserEnvelope(Schema):
    user = Nested(UserOut)


class RegisterIn(Schema):
    name = String(required=True, validate=Length(1, 255))
    email = String(required=True, validate=Length(3, 255))
    password = String(required=True, validate=Length(PASSWORD_MIN, PASSWORD_MAX))


class LoginIn(Schema):
    email = String(required=True, validate=Length(1, 255))
    password = String(required=True, validate=Length(1, PASSWORD_MAX))


class TokenOut(Schema):
    access_token = String()
    token_type = String()
    expires_in = Integer()


class PasswordIn(Schema):
    current_password = String(required=True, validate=Length(1, PASSWORD_MAX))
    new_password = String(required=True, validate=Length(PASSWORD_MIN, PASSWORD_MAX))


class ProfileIn(Schema):
    name = String(validate=Length(1, 255))
    email = String(validate=Length(3, 255))


class DeleteAccountIn(Schema):
    password = String(required=True, validate=Length(1, PASSWORD_MAX))


class SessionOut(Schema):
    id = String()
    created_at = DateTime()
    expires_at = DateTime()
    ip = String()
    user_agent = String()
    current = Boolean()


class SessionList(Schema):
    sessions = Nested(SessionOut, many=True)


class FileOut(Schema):
    id = Integer()
    name = String()
    type = String()
    size = Integer()
    sha256 = String()
    created_at = DateTime()


class FileEnvelope(Schema):
    file = Nested(FileOut)


class PageIn(Schema):
    page = Integer(load_default=1, validate=Range(min=1, max=1_000_000))
    per_page = Integer(load_default=50, validate=Range(min=1, max=200))


class Pagination(Schema):
    page = Integer()
    per_page = Integer()
    total = Integer()
    pages = Integer()


class FileList(Schema):
    files = Nested(FileOut, many=True)
    pagination = Nested(Pagination)


class UploadIn(Schema):
    file = File(required=True, metadata={"description": "the file's bytes"})


class ShareIn(Schema):
    expires_at = AwareDateTime(load_default=None, allow_none=True, metadata={
        "description": "ISO 8601 with a time zone, in the future, at most SHARE_MAX_DAYS ahead"})
    max_downloads = Integer(load_default=None, allow_none=True, strict=True,
                            validate=Range(min=1, max=1_000_000))
    password = String(load_default=None, allow_none=True, validate=Length(4, 1024),
                      load_only=True)
    # Checked by the service (email-validator, the canonical form), like every email.
    recipient_email = String(load_default=None, allow_none=True, validate=Length(3, 255),
                             metadata={"format": "email", "description":
                                       "a registered user's email (or a future one)"})


class ShareOut(Schema):
    id = Integer()
    token = String()
    url = String()
    file_id = Integer()
    file_name = String()
    file_size = Integer()
    file_type = String()
    created_at = DateTime()
    expires_at = DateTime(allow_none=True)
    max_downloads = Integer(allow_none=True)
    download_count = Integer()
    last_download_at = DateTime(allow_none=True)
    has_password = Boolean()
    recipient_email = String(allow_none=True)
    revoked_at = DateTime(allow_none=True)
    state = String(metadata={"enum": ["active", "expired", "used_up", "revoked"]})


class ShareEnvelope(Schema):
    share = Nested(ShareOut)


class ShareList(Schema):
    shares = Nested(ShareOut, many=True)


class SharedOut(Schema):
    id = Integer()
    token = String()
    url = String()
    file_name = String()
    file_size = Integer()
    file_type = String()
    owner_name = String()
    created_at = DateTime()
    expires_at = DateTime(allow_none=True)
    has_password = Boolean()


class SharedList(Schema):
    shares = Nested(SharedOut, many=True)


class AccessOut(Schema):
    id = Integer()
    at = DateTime()
    user_id = Integer(allow_none=True)
    user_name = String(allow_none=True)
    ip = String()
    user_agent = String()
    bytes_sent = Integer()
    completed = Boolean(allow_none=True, metadata={"description": "null while in progress"})
    finished_at = DateTime(allow_none=True)


class AccessList(Schema):
    accesses = Nested(AccessOut, many=True)


class Health(Schema):
    status = String()
