"""Request and response schemas: they validate input and generate the OpenAPI document."""

import numbers
from datetime import UTC
from typing import Any, cast

from apiflask import Schema
from apiflask.fields import AwareDateTime, Boolean, DateTime, Dict, File, Integer, List, String
from apiflask.validators import Length, OneOf, Range, Regexp
from marshmallow import INCLUDE
from marshmallow.fields import Nested, Raw

from ..http.converters import ID_MAX, ID_SCHEMA
from ..models.shares import MESSAGE_MAX, TITLE_MAX
from ..services.api_tokens import NAME_MAX as API_TOKEN_NAME_MAX
from ..services.api_tokens import SCOPES as API_TOKEN_SCOPES
from ..services.audit_entries import ACTION_MAX
from ..services.audit_entries import GROUPS as AUDIT_GROUPS
from ..services.file_requests import MAX_FILES_LIMIT as REQUEST_MAX_FILES
from ..services.link_options import LINK_PASSWORD_MAX, LINK_PASSWORD_MIN
from ..services.notifications import KINDS as NOTIFICATION_KINDS
from ..services.recipients import MAX_RECIPIENTS
from ..services.share_items import MAX_ITEMS as SHARE_ITEMS_MAX
from ..services.shares import MAX_DOWNLOADS_LIMIT
from ..services.validation import PASSWORD_MAX, PASSWORD_MIN
from ..services.webhooks import EVENTS as WEBHOOK_EVENTS
from ..services.webhooks import MAX_ATTEMPTS as WEBHOOK_ATTEMPTS


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
    verified = Boolean(metadata={"description": "the address was proven by a mailed link"})
    role = String(metadata={"enum": ["admin", "user"]})
    quota_bytes = Integer(allow_none=True, metadata={
        "description": "the bytes this account may store (its own quota, else the "
                       "instance's default); null: no limit"})
    used_bytes = Integer(metadata={
        "description": "the bytes of this account's files and of its unfinished uploads "
                       "(which reserve their declared length)"})
    quota_files = Integer(allow_none=True, metadata={
        "description": "how many files this account may store; null: no limit"})
    used_files = Integer(metadata={
        "description": "this account's files and unfinished uploads"})


class RegisteredOut(Schema):
    # No id: the answer is the same whether the address was free or had an account.
    name = String()
    email = String()
    verified = Boolean()


class RegisteredEnvelope(Schema):
    user = Nested(RegisteredOut)


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
    invitation = String(load_default=None, allow_none=True, validate=Length(max=255), metadata={
        "description": "the token of an invitation (`/signup?invitation=…`): needed when "
                       "sign-up is invite-only (403 `invitation_required`; unknown, used, "
                       "revoked or expired: 403 `invitation_invalid`)"})


class LoginIn(Schema):
    email = String(required=True, validate=Length(1, 255))
    password = String(required=True, validate=Length(1, PASSWORD_MAX))


class TokenOut(Schema):
    """Either a session (access_token, token_type, expires_in) or, for an account with
    two-step sign-in, the second step to make (mfa_required, mfa_token, methods)."""

    access_token = String()
    token_type = String()
    expires_in = Integer()
    mfa_required = Boolean(metadata={"description": "true: no session yet; finish with "
                                                    "POST /auth/login/mfa"})
    mfa_token = String(metadata={"description": "single use, valid 5 minutes"})
    methods = List(String(metadata={"enum": ["totp", "recovery", "passkey"]}), metadata={
        "description": "the second steps this account can make"})


class MfaLoginIn(Schema):
    mfa_token = String(required=True, validate=Length(1, 128))
    code = String(required=True, validate=Length(1, 32), metadata={
        "description": "6 digits from the code app, or a recovery code (xxxx-xxxx-xx)"})


class TotpEnrolmentOut(Schema):
    secret = String(metadata={"description": "base32, for typing into the code app"})
    otpauth_uri = String(metadata={"description": "the same as an otpauth:// URI (QR code)"})


class CodeIn(Schema):
    code = String(required=True, validate=Length(1, 32))


class RecoveryCodesOut(Schema):
    recovery_codes = List(String(), metadata={
        "description": "ten single-use codes, shown this once: keep them safe"})


class TotpDisableIn(Schema):
    password = String(required=True, validate=Length(1, PASSWORD_MAX))
    code = String(required=True, validate=Length(1, 32), metadata={
        "description": "a code from the app, or a recovery code"})


class TwoStepOut(Schema):
    enabled = Boolean()
    pending = Boolean(metadata={"description": "an enrolment begun and not confirmed"})
    recovery_codes_left = Integer()
    required = Boolean(metadata={"description": "the instance requires two-step sign-in"})


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
        "description": "a new address; as at registration. Needs `password`; the new "
                       "address is unverified until its mailed link is opened, and the old "
                       "one is told"})
    password = String(validate=Length(1, PASSWORD_MAX), metadata={
        "description": "the account's password, required to change `email` (403 if wrong)"})


class MailedTokenIn(Schema):
    token = String(required=True, validate=Length(1, 100),
                   metadata={"description": "the token of the mailed link (after its `#`)"})


class ResetRequestIn(Schema):
    email = String(required=True, validate=Length(1, 1024))


class ResetConfirmIn(Schema):
    token = String(required=True, validate=Length(1, 100))
    new_password = String(required=True, validate=Length(PASSWORD_MIN, PASSWORD_MAX))


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


class ReceivedOut(Schema):
    request_id = Integer(allow_none=True, metadata={
        "description": "the upload link it came through; null once the link is deleted"})
    request_title = String(allow_none=True)
    sender_name = String(allow_none=True, metadata={"description": "as the sender gave it"})
    sender_email = String(allow_none=True, metadata={"description": "as the sender gave it"})
    at = DateTime(metadata={"description": "when it arrived"})


class FileOut(Schema):
    id = Integer()
    name = String()
    type = String()
    size = Integer()
    sha256 = String()
    created_at = DateTime()
    folder_id = Integer(allow_none=True, metadata={"description": "null: at the root"})
    received = Nested(ReceivedOut, allow_none=True, metadata={
        "description": "null: uploaded by the owner; else received through an upload link"})
    scan = String(allow_none=True, metadata={
        "enum": ["clean", "unscanned", None],
        "description": "the antivirus verdict when it was stored: `clean`; `unscanned` "
                       "(the scanner was unavailable and CLAMAV_UNAVAILABLE=accept); null: "
                       "no scanner configured"})


class FileEnvelope(Schema):
    file = Nested(FileOut)


def _id_field(description: str, **options: Any) -> WholeNumber:
    return WholeNumber(validate=Range(min=1, max=ID_MAX),
                       metadata=ID_SCHEMA | {"description": description}, **options)


class FileChangeIn(Schema):
    name = String(validate=Length(1, 1024), metadata={
        "description": "a new name; one taken in the folder becomes `name (2).ext`"})
    folder_id = _id_field("move it here; null: to the root", allow_none=True)


class FolderOut(Schema):
    id = Integer()
    name = String()
    parent_id = Integer(allow_none=True, metadata={"description": "null: at the root"})
    created_at = DateTime()


class FolderEnvelope(Schema):
    folder = Nested(FolderOut)


class FolderList(Schema):
    folders = Nested(FolderOut, many=True)


class FolderContent(Schema):
    folder = Nested(FolderOut)
    path = Nested(FolderOut, many=True, metadata={
        "description": "the breadcrumbs: the folders from the root down to this one"})
    folders = Nested(FolderOut, many=True)
    files = Nested(FileOut, many=True)


# No slash or backslash, and more than spaces and dots (services.folders.clean_name).
FOLDER_NAME_PATTERN = r"^[^/\\]*[^/\\\s.][^/\\]*$"
FOLDER_NAME = {"minLength": 1, "maxLength": 255, "pattern": FOLDER_NAME_PATTERN,
               "description": "no / or \\; a name taken beside it becomes `name (2)`"}


class FolderIn(Schema):
    name = String(required=True, validate=[Length(1, 1024), Regexp(FOLDER_NAME_PATTERN)],
                  metadata=FOLDER_NAME)
    parent_id = _id_field("the folder to create it in; absent or null: the root",
                          load_default=None, allow_none=True)


class FolderChangeIn(Schema):
    name = String(validate=[Length(1, 1024), Regexp(FOLDER_NAME_PATTERN)],
                  metadata=FOLDER_NAME)
    parent_id = _id_field("move it here; null: to the root (never into itself or below)",
                          allow_none=True)


class FolderFilterIn(Schema):
    parent_id = Integer(validate=Range(min=1, max=ID_MAX),
                        metadata=ID_SCHEMA | {"description": "whose folders; absent: the root's"})


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


class FileFilterIn(PageIn):
    # No load_default=None on query and form fields: it would document them as nullable,
    # and a query string or a form cannot send a null.
    folder_id = Integer(validate=Range(min=0, max=ID_MAX), metadata={
        "description": "only the files of this folder; 0: the root; absent: all my files"})
    q = String(validate=Length(1, 255), metadata={
        "description": "only names containing this, in any case, in every folder"})


# An uploaded relative path as services.folder_paths.split_path takes it: 1 to 33 parts
# separated by "/", none empty, blank, "." or "..", no drive ("C:") in the first.
_SEGMENT = r"[^/\\]*[^/\\\s.][^/\\]*"
_FIRST = r"[^/\\:]*[^/\\\s.:][^/\\:]*"
UPLOAD_PATH_PATTERN = rf"^{_FIRST}(/{_SEGMENT}){{0,32}}$"


class UploadIn(Schema):
    file = File(required=True, metadata={"description": "the file's bytes"})
    folder_id = Integer(validate=Range(min=1, max=ID_MAX), metadata={
        "description": "the folder to upload into; absent: the root"})
    path = String(validate=[Length(1, 4096), Regexp(UPLOAD_PATH_PATTERN)], metadata={
        "pattern": UPLOAD_PATH_PATTERN,
        "description": "the relative path including the file name (`x/y/z.txt`, as "
                       "`webkitRelativePath`): its folders are made below `folder_id` "
                       "where missing; `..`, empty parts and absolute paths: 422"})
    share = Boolean(load_default=False, metadata={
        "description": "`1`/`true`: also create a public link to the file (the instance's "
                       "default expiry and download limit), answered as `share` with its "
                       "`url`; an API token needs `shares:write` too"})


class ShareIn(Schema):
    expires_at = AwareDateTime(allow_none=True, metadata={
        "description": "ISO 8601 with a time zone, in the future, at most share_max_days "
        "ahead; null: no expiry; not given: the instance's default_share_days"})
    max_downloads = WholeNumber(allow_none=True, metadata={
        "minimum": 1, "maximum": MAX_DOWNLOADS_LIMIT, "description":
        "null: no limit; not given: the instance's default_max_downloads"})
    password = String(load_default=None, allow_none=True, load_only=True,
                      metadata={"minLength": LINK_PASSWORD_MIN,
                                "maxLength": LINK_PASSWORD_MAX})
    # Checked by the service (email-validator, the canonical form), like every email.
    recipient_email = String(load_default=None, allow_none=True,
                             metadata={"format": "email", "maxLength": 255, "description":
                                       "the link opens only for this address, verified "
                                       "(an account's, or a code mailed to it)"})
    message = String(load_default=None, allow_none=True, metadata={
        "maxLength": MESSAGE_MAX, "description": "shown on the link's page and in its mail"})
    recipients = List(String(metadata={"format": "email", "maxLength": 255}),
                      load_default=None, allow_none=True, metadata={
        "minItems": 1, "maxItems": MAX_RECIPIENTS, "description":
        "send by email: one personal link per address (duplicates, in any case, once), "
        "each mailed with the message; the answer is then {\"shares\": [...]}"})
    notify_on_download = Boolean(load_default=False, metadata={
        "description": "email me (and list in my notifications) each completed download"})


def _ids(what: str, **options: Any) -> List:
    return List(WholeNumber(validate=Range(min=1, max=ID_MAX), metadata=ID_SCHEMA),
                metadata={"maxItems": SHARE_ITEMS_MAX, "uniqueItems": True, "description": what},
                **options)


TITLE = {"maxLength": TITLE_MAX, "description": "the link's name on its page and in its mail"}


class SharesIn(ShareIn):
    file_ids = _ids("files of mine to share (one file and no folder: a one-file link, as "
                    "POST /files/{id}/shares makes)", load_default=None, allow_none=True)
    folder_ids = _ids("folders of mine to share, live: what they hold when the link is "
                      "opened", load_default=None, allow_none=True)
    title = String(load_default=None, allow_none=True, metadata=TITLE)


class ShareChangeIn(Schema):
    """Only the fields given change; null removes an option."""

    notify_on_download = Boolean(metadata={
        "description": "email me (and list in my notifications) each completed download"})
    expires_at = AwareDateTime(allow_none=True, metadata={
        "description": "ISO 8601 with a time zone, in the future; null: no expiry"})
    max_downloads = WholeNumber(allow_none=True, metadata={
        "minimum": 1, "maximum": MAX_DOWNLOADS_LIMIT, "description": "null: no limit"})
    password = String(allow_none=True, load_only=True, metadata={
        "minLength": LINK_PASSWORD_MIN, "maxLength": LINK_PASSWORD_MAX,
        "description": "a new password (visitors unlock again); null: no password"})
    title = String(allow_none=True, metadata=TITLE)
    message = String(allow_none=True, metadata={"maxLength": MESSAGE_MAX})
    file_ids = _ids("the link's files from now on (not given: as they are)", allow_none=True)
    folder_ids = _ids("the link's folders from now on (not given: as they are)",
                      allow_none=True)


class ShareItemOut(Schema):
    kind = String(metadata={"enum": ["file", "folder"]})
    id = Integer()
    name = String()
    size = Integer(metadata={"description": "a folder's: all it holds now"})


class ShareOut(Schema):
    id = Integer()
    token = String()
    url = String()
    file_id = Integer(allow_none=True, metadata={"description": "null: a link to several things"})
    file_name = String(allow_none=True)
    file_size = Integer(allow_none=True)
    file_type = String(allow_none=True)
    title = String(allow_none=True)
    items = Nested(ShareItemOut, many=True, metadata={
        "description": "what the link holds (a one-file link: its file)"})
    created_at = DateTime()
    expires_at = DateTime(allow_none=True)
    max_downloads = Integer(allow_none=True)
    download_count = Integer()
    last_download_at = DateTime(allow_none=True)
    has_password = Boolean()
    recipient_email = String(allow_none=True)
    message = String(allow_none=True)
    revoked_at = DateTime(allow_none=True)
    state = String(metadata={"enum": ["active", "expired", "used_up", "revoked"]})
    notify_on_download = Boolean()


class UploadedEnvelope(FileEnvelope):
    share = Nested(ShareOut, metadata={"description": "only with `share=1`: the new link"})


class ShareEnvelope(Schema):
    share = Nested(ShareOut)


class ShareCreated(Schema):
    share = Nested(ShareOut, metadata={"description": "the link (no `recipients` given)"})
    shares = Nested(ShareOut, many=True, metadata={
        "description": "one personal link per recipient (`recipients` given)"})


class ShareList(Schema):
    shares = Nested(ShareOut, many=True)


class SharedOut(Schema):
    id = Integer()
    token = String()
    url = String()
    file_name = String(metadata={"description": "a link to several things: its title or "
                                                "first item's name"})
    file_size = Integer(metadata={"description": "a link to several things: all it holds"})
    file_type = String(allow_none=True)
    title = String(allow_none=True)
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


class NotificationOut(Schema):
    id = Integer()
    kind = String(metadata={"enum": list(NOTIFICATION_KINDS)})
    created_at = DateTime()
    read_at = DateTime(allow_none=True, metadata={"description": "null while unread"})
    data = Dict(metadata={"description": "share_id, file_name; a download's at, user_name; "
                                         "a link's expires_at"})


class NotificationList(Schema):
    notifications = Nested(NotificationOut, many=True)
    unread = Integer(metadata={"description": "how many of mine are unread, in all"})


class NotificationFilterIn(Schema):
    unread = Boolean(load_default=False, metadata={"description": "only the unread ones"})


class MarkReadIn(Schema):
    ids = List(Integer(validate=Range(min=1, max=ID_MAX), metadata=ID_SCHEMA),
               validate=Length(max=1000), metadata={
        "description": "the notifications to mark read; absent: all of mine"})


class UnreadOut(Schema):
    unread = Integer()


# What is always accepted (a host name that resolves to public addresses only); the
# service decides, resolving the name.
WEBHOOK_URL_PATTERN = (r"^https://([a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?\.){1,3}[a-z]{2,10}"
                       r"(/[A-Za-z0-9._~-]{1,30}){0,3}$")


class WebhookIn(Schema):
    url = String(required=True, metadata={
        "format": "uri", "maxLength": 2048, "pattern": WEBHOOK_URL_PATTERN,
        "description": "http(s) URL whose host resolves to public addresses only (unless "
                       "WEBHOOK_ALLOW_PRIVATE=1); this pattern is always accepted then"})
    events = List(String(validate=OneOf(WEBHOOK_EVENTS)), load_default=None, metadata={
        "description": "the events to send; absent or empty: all", "uniqueItems": True})


class DeliverySummary(Schema):
    id = Integer()
    event = String()
    status = String(metadata={"enum": ["pending", "delivered", "failed"]})
    attempts = Integer(metadata={"description": f"at most {WEBHOOK_ATTEMPTS}"})
    last_status_code = Integer(allow_none=True)
    last_error = String(allow_none=True)
    created_at = DateTime()
    last_attempt_at = DateTime(allow_none=True)


class WebhookOut(Schema):
    id = Integer()
    url = String()
    events = List(String())
    created_at = DateTime()
    last_delivery = Nested(DeliverySummary, allow_none=True)
    secret = String(metadata={"description": "`whsec_…`: only in the answer that creates it"})


class WebhookEnvelope(Schema):
    webhook = Nested(WebhookOut)


class WebhookList(Schema):
    webhooks = Nested(WebhookOut, many=True)


class DeliveryOut(DeliverySummary):
    message_id = String(metadata={"description": "the `webhook-id` header"})


class DeliveryList(Schema):
    deliveries = Nested(DeliveryOut, many=True)


class FileRequestIn(Schema):
    title = String(required=True, validate=Length(1, 1024), metadata={
        "minLength": 1, "maxLength": 255,
        "description": "shown to the uploader, and the name of the link's own folder"})
    message = String(load_default=None, allow_none=True, metadata={"maxLength": MESSAGE_MAX})
    folder_id = WholeNumber(load_default=None, allow_none=True,
                            validate=Range(min=1, max=ID_MAX), metadata={
        **ID_SCHEMA, "description": "one of my folders; none: a new folder "
                                    "Recebidos/<title>"})
    expires_at = AwareDateTime(load_default=None, allow_none=True)
    max_files = WholeNumber(load_default=None, allow_none=True,
                            metadata={"minimum": 1, "maximum": REQUEST_MAX_FILES})
    max_file_bytes = WholeNumber(load_default=None, allow_none=True, metadata={
        "minimum": 1, "description": "each file's size; at most MAX_UPLOAD_BYTES"})
    max_total_bytes = WholeNumber(load_default=None, allow_none=True, metadata={"minimum": 1})
    password = String(load_default=None, allow_none=True, load_only=True,
                      metadata={"minLength": LINK_PASSWORD_MIN,
                                "maxLength": LINK_PASSWORD_MAX})
    require_name = Boolean(load_default=False)
    require_email = Boolean(load_default=False)
    show_uploads = Boolean(load_default=True, metadata={
        "description": "the uploader's page lists what they sent during their visit"})
    notify = Boolean(load_default=False, metadata={
        "description": "email me when files arrive (one mail per upload session)"})


class FileRequestChangeIn(Schema):
    title = String(validate=Length(1, 1024), metadata={"minLength": 1, "maxLength": 255})
    message = String(allow_none=True, metadata={"maxLength": MESSAGE_MAX})
    folder_id = WholeNumber(validate=Range(min=1, max=ID_MAX), metadata=ID_SCHEMA)
    expires_at = AwareDateTime(allow_none=True)
    max_files = WholeNumber(allow_none=True, metadata={"minimum": 1,
                                                       "maximum": REQUEST_MAX_FILES})
    max_file_bytes = WholeNumber(allow_none=True, metadata={"minimum": 1})
    max_total_bytes = WholeNumber(allow_none=True, metadata={"minimum": 1})
    password = String(allow_none=True, load_only=True, metadata={
        "minLength": LINK_PASSWORD_MIN, "maxLength": LINK_PASSWORD_MAX,
        "description": "null removes the password"})
    require_name = Boolean()
    require_email = Boolean()
    show_uploads = Boolean()
    notify = Boolean()


class FileRequestOut(Schema):
    id = Integer()
    token = String()
    url = String()
    folder_id = Integer()
    title = String()
    message = String(allow_none=True)
    created_at = DateTime()
    expires_at = DateTime(allow_none=True)
    revoked_at = DateTime(allow_none=True)
    max_files = Integer(allow_none=True)
    max_file_bytes = Integer(allow_none=True)
    max_total_bytes = Integer(allow_none=True)
    has_password = Boolean()
    require_name = Boolean()
    require_email = Boolean()
    show_uploads = Boolean()
    notify = Boolean()
    files_received = Integer()
    bytes_received = Integer()
    last_upload_at = DateTime(allow_none=True)
    state = String(metadata={"enum": ["active", "expired", "full", "revoked"]})


class FileRequestEnvelope(Schema):
    request = Nested(FileRequestOut)


class FileRequestList(Schema):
    requests = Nested(FileRequestOut, many=True)


# Administration (issue 18): accounts as admins see and change them.
class AdminUserOut(Schema):
    id = Integer()
    name = String()
    email = String()
    verified = Boolean()
    role = String(metadata={"enum": ["admin", "user"]})
    disabled = Boolean(metadata={"description": "cannot sign in; its links answer 404"})
    quota_bytes = Integer(allow_none=True, metadata={
        "description": "this account's byte quota; null: the instance's default"})
    quota_files = Integer(allow_none=True, metadata={
        "description": "this account's file quota; null: the instance's default"})
    used_bytes = Integer()
    files = Integer()
    two_step = Boolean(metadata={"description": "signs in with a code app"})
    last_login_at = DateTime(allow_none=True)
    created_at = DateTime()


class AdminUserEnvelope(Schema):
    user = Nested(AdminUserOut)


class AdminTotals(Schema):
    users = Integer(metadata={"description": "every account"})
    files = Integer(metadata={"description": "every account's files"})
    bytes = Integer(metadata={"description": "the bytes of those files"})


class AdminUserList(Schema):
    users = Nested(AdminUserOut, many=True)
    pagination = Nested(Pagination)
    totals = Nested(AdminTotals)


class AdminUserFilterIn(PageIn):
    q = String(validate=Length(1, 255), metadata={
        "description": "only accounts whose name or email contains this, in any case"})
    sort = String(load_default="created", validate=OneOf(
        ["name", "email", "verified", "role", "files", "bytes", "last_login", "created"]))
    order = String(load_default="asc", validate=OneOf(["asc", "desc"]))


class AdminUserChangeIn(Schema):
    role = String(validate=OneOf(["admin", "user"]))
    disabled = Boolean(metadata={"description": "true ends every session at once"})
    quota_bytes = WholeNumber(allow_none=True, validate=Range(min=0, max=2**62), metadata={
        "description": "bytes; null: the instance's default"})
    quota_files = WholeNumber(allow_none=True, validate=Range(min=0, max=2**31 - 1),
                              metadata={"description": "files; null: the instance's default"})
    two_step = Boolean(metadata={"description": "false removes the account's two-step "
                                                "sign-in (a lost phone and lost recovery "
                                                "codes); true is refused"},
                       validate=OneOf([False]))


class InvitationIn(Schema):
    # Checked by the service like every address; the pattern is what is always accepted.
    email = String(load_default=None, allow_none=True, metadata={
        "format": "email", "maxLength": 255, "pattern": EMAIL_PATTERN,
        "description": "only this address may use it, and the link is mailed there"})


class InvitationOut(Schema):
    id = Integer()
    email = String(allow_none=True)
    state = String(metadata={"enum": ["pending", "used", "expired", "revoked"]})
    created_by = Integer(allow_none=True)
    created_at = DateTime()
    expires_at = DateTime()
    used_at = DateTime(allow_none=True)
    revoked_at = DateTime(allow_none=True)
    token = String(metadata={"description": "only in the answer that creates it"})
    url = String(metadata={"description": "the sign-up link with the token: only in the "
                                          "answer that creates it"})


class InvitationEnvelope(Schema):
    invitation = Nested(InvitationOut)


class InvitationList(Schema):
    invitations = Nested(InvitationOut, many=True)


class AuditEventOut(Schema):
    time = DateTime()
    action = String(metadata={"description": "the event, e.g. `login.failed`, "
                                             "`admin.user_changed`, `share.created`"})
    actor_id = Integer(allow_none=True, metadata={
        "description": "the account that acted (it may no longer exist); null: nobody known"})
    target = String(metadata={"description": "what it acted on: `user:5`, `share:12`, "
                                             "`request:3`, `file:9`, `folder:4`, ... or empty"})
    ip = String()
    details = String(allow_none=True, metadata={
        "description": "JSON of the event's other fields (never a secret or a link token)"})


class AuditList(Schema):
    events = Nested(AuditEventOut, many=True)
    pagination = Nested(Pagination)


class AuditFilterIn(Schema):
    action = String(validate=Length(1, ACTION_MAX), metadata={
        "description": "this action, or the actions starting with it and a dot (`login`: "
                       "`login.failed`, `login.succeeded`, ...); groups: "
                       + ", ".join(AUDIT_GROUPS)})
    actor_id = Integer(validate=Range(min=1, max=ID_MAX), metadata={
        "description": "only what this account did"})
    target = String(validate=Length(1, 255), metadata={
        "description": "only what was done to this (`user:5`, `share:12`, ...)"})
    since = AwareDateTime(default_timezone=UTC, metadata={
        "description": "from this time on (ISO 8601; no offset: UTC)"})
    until = AwareDateTime(default_timezone=UTC, metadata={
        "description": "before this time (ISO 8601; no offset: UTC)"})


class AuditPageIn(PageIn, AuditFilterIn):
    pass


# Administration → Settings: one flat object. Each value is checked by services.settings
# (its messages name the field); the types below document it.
_SETTING_TYPES: dict[str, dict[str, Any]] = {
    "site_name": {"type": "string", "minLength": 1, "maxLength": 60,
                  "description": "the instance's name in pages, titles and mail"},
    "accent_color": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$",
                     "description": "buttons and links; contrast is kept by the app"},
    "logo": {"type": "string", "nullable": True, "description":
             "the logo's URL (read-only: upload with PUT /admin/settings/logo); "
             "null removes it"},
    "max_upload_bytes": {"type": "integer", "minimum": 1},
    "registration": {"type": "string", "enum": ["open", "invite_only", "closed"]},
    "registration_domains": {"type": "array", "items": {"type": "string"},
                             "description": "email domains allowed to sign up; []: any"},
    "users_may_invite": {"type": "boolean"},
    "invitation_days": {"type": "integer", "minimum": 1, "maximum": 365},
    "default_share_days": {"type": "integer", "nullable": True, "minimum": 1,
                           "description": "at most share_max_days; null: no expiry"},
    "share_max_days": {"type": "integer", "minimum": 1, "maximum": 3650},
    "default_max_downloads": {"type": "integer", "nullable": True, "minimum": 1,
                              "maximum": MAX_DOWNLOADS_LIMIT},
    "blocked_extensions": {"type": "array", "items": {"type": "string"},
                           "description": "lower case, without the dot"},
    "users_may_create_upload_links": {"type": "boolean"},
    "users_may_create_public_links": {"type": "boolean", "description":
                                      "false: users' share links name their recipients"},
    "default_quota_bytes": {"type": "integer", "nullable": True, "minimum": 0},
    "default_quota_files": {"type": "integer", "nullable": True, "minimum": 0},
    "audit_retention_days": {"type": "integer", "minimum": 0,
                             "description": "0: kept for ever"},
    "require_two_step": {"type": "boolean", "description":
                         "every account must use two-step sign-in (a code app or a passkey); "
                         "single sign-on sessions are exempt"},
}


class _AnyKeys(Schema):
    class Meta:
        unknown = INCLUDE


def _setting_fields() -> dict[str, Any]:
    return {key: Raw(allow_none=True, metadata=kind) for key, kind in _SETTING_TYPES.items()}


# PATCH: only the keys given change; a key not listed is refused (unknown_setting).
SettingsIn = cast(type[Schema], _AnyKeys.from_dict(_setting_fields(), name="SettingsIn"))
SettingsOut = cast(type[Schema], Schema.from_dict(_setting_fields(), name="Settings"))


class ApiTokenIn(Schema):
    name = String(required=True, validate=Length(1, API_TOKEN_NAME_MAX), metadata={
        "description": "what the token is for (`ShareX on my laptop`)"})
    scopes = List(String(validate=OneOf(API_TOKEN_SCOPES)), required=True,
                  validate=Length(min=1, max=len(API_TOKEN_SCOPES)), metadata={
                      "uniqueItems": True, "description": "what it may do: "
                      + ", ".join(API_TOKEN_SCOPES)})
    expires_at = AwareDateTime(allow_none=True, load_default=None, metadata={
        "description": "ISO 8601 with a time zone, in the future; absent or null: it "
                       "never expires (revoke it when done)"})


class ApiTokenOut(Schema):
    id = Integer()
    name = String()
    hint = String(metadata={"description": "its first characters (`cmp_` and 6 more), to "
                                           "tell tokens apart; not enough to use it"})
    scopes = List(String(metadata={"enum": list(API_TOKEN_SCOPES)}))
    created_at = DateTime()
    expires_at = DateTime(allow_none=True, metadata={"description": "null: never"})
    expired = Boolean()
    last_used_at = DateTime(allow_none=True, metadata={
        "description": "null: never used; updated at most once a minute"})
    last_used_ip = String(allow_none=True)
    secret = String(metadata={
        "description": "`cmp_` and 43 base64url characters (regex "
                       "`cmp_[A-Za-z0-9_-]{43}`): only in the answer that creates it, "
                       "shown this once; send it as `Authorization: Bearer <secret>`"})


class ApiTokenEnvelope(Schema):
    token = Nested(ApiTokenOut)


class ApiTokenList(Schema):
    tokens = Nested(ApiTokenOut, many=True)
# Passkeys (issue 19): api/passkeys.py.
class PasskeyOut(Schema):
    id = Integer()
    name = String()
    created_at = DateTime()
    last_used_at = DateTime(allow_none=True)
    transports = List(String(), metadata={
        "description": "how the browser reaches the authenticator: internal, usb, hybrid…"})


class PasskeyEnvelope(Schema):
    passkey = Nested(PasskeyOut)


class PasskeyList(Schema):
    passkeys = Nested(PasskeyOut, many=True)


class CeremonyOut(Schema):
    options = Dict(metadata={
        "description": "for the browser's PublicKeyCredential.parseCreationOptionsFromJSON "
                       "(adding) or parseRequestOptionsFromJSON (signing in)"})
    challenge = String(metadata={
        "description": "send it back with the credential; single use, valid 5 minutes"})


class PasskeyAddIn(Schema):
    challenge = String(required=True, validate=Length(1, 128))
    credential = Dict(required=True, metadata={
        "description": "the created credential's toJSON()"})
    name = String(load_default=None, allow_none=True, validate=Length(0, 100))


class PasskeyRenameIn(Schema):
    name = String(required=True, validate=Length(1, 100))


class PasskeyOptionsIn(Schema):
    mfa_token = String(load_default=None, allow_none=True, validate=Length(1, 128), metadata={
        "description": "the second step after a right password: offer that account's "
                       "passkeys only"})


class PasskeyLoginIn(Schema):
    challenge = String(required=True, validate=Length(1, 128))
    credential = Dict(required=True, metadata={
        "description": "the credential navigator.credentials.get gave, as toJSON()"})
    mfa_token = String(load_default=None, allow_none=True, validate=Length(1, 128))
