"""Request and response schemas: they validate input and generate the OpenAPI document."""

import numbers
from typing import Any

from apiflask import Schema
from apiflask.fields import AwareDateTime, Boolean, DateTime, File, Integer, String
from apiflask.validators import Length, Range
from marshmallow.fields import Nested

from ..services.shares import MAX_DOWNLOADS_LIMIT, SHARE_PASSWORD_MAX, SHARE_PASSWORD_MIN
from ..services.validation import PASSWORD_MAX, PASSWORD_MIN


class WholeNumber(Integer):
    """A JSON integer, also written as an integral float (`111.0`, which JSON Schema counts as
    an integer); `1.5`, strings and booleans are refused."""

    def _validated(self, value: Any) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise self.make_error("invalid")
        return super()._validated(value)


class UserOut(Schema):
    id = Integer()
    name = String()
    email = String()
    created_at = DateTime()


class UserEnvelope(Schema):
    user = Nested(UserOut)


# What the document promises an address that registers: the service (email-validator,
# the canonical form) also takes internationalised ones, and refuses special-use domains.
EMAIL_PATTERN = (r"^[A-Za-z0-9_%+-]{1,20}(\.[A-Za-z0-9_%+-]{1,20}){0,2}"
                 r"@([A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?\.){1,4}"
                 r"(?!(arpa|invalid|local|localhost|onion|test)$)[a-z]{2,20}$")


# Lengths and ranges the services check are documented here but checked there, so that
# one answer names every wrong field (the schema would stop before the service runs).
class RegisterIn(Schema):
    # Control characters are dropped and spaces folded: a name needs something else.
    name = String(required=True, metadata={
        "minLength": 1, "maxLength": 255, "pattern": "[0-9A-Za-z]",
        "description": "1 to 255 characters, not only spaces and control characters"})
    # Checked by the service, like every email; the pattern is what is always accepted.
    email = String(required=True, metadata={
        "format": "email", "minLength": 3, "maxLength": 255, "pattern": EMAIL_PATTERN,
        "description": "an address; this pattern is always accepted, and internationalised "
                       "addresses too; special-use domains (.test, .invalid…) are refused"})
    password = String(required=True, metadata={"minLength": PASSWORD_MIN,
                                               "maxLength": PASSWORD_MAX})


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
    # Documented like registration's fields, checked by the same service rules.
    name = String(validate=Length(1, 255), metadata={
        "pattern": "[0-9A-Za-z]",
        "description": "1 to 255 characters, not only spaces and control characters"})
    email = String(validate=Length(3, 255), metadata={
        "format": "email", "pattern": EMAIL_PATTERN,
        "description": "a new address; as at registration"})


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
    max_downloads = WholeNumber(load_default=None, allow_none=True,
                                metadata={"minimum": 1, "maximum": MAX_DOWNLOADS_LIMIT})
    password = String(load_default=None, allow_none=True, load_only=True,
                      metadata={"minLength": SHARE_PASSWORD_MIN,
                                "maxLength": SHARE_PASSWORD_MAX})
    # Checked by the service (email-validator, the canonical form), like every email.
    recipient_email = String(load_default=None, allow_none=True,
                             metadata={"format": "email", "maxLength": 255, "description":
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
