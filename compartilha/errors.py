"""Domain errors raised by services; each carries its HTTP status and error code.

`compartilha.http.error_handlers` turns them (and every other exception) into one response shape.
"""

from __future__ import annotations


class AppError(Exception):
    status = 400
    code = "bad_request"
    message = "Bad request."

    def __init__(self, message: str | None = None, *, field: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        self.field = field
        self.headers = headers or {}


class InvalidField(AppError):
    """One or more fields are wrong. `template` and `params` let the HTTP layer say it in
    the reader's language; `problems` holds one InvalidField per wrong field."""

    status, code, message = 422, "invalid_field", "A field is invalid."

    def __init__(self, message: str | None = None, *, field: str | None = None,
                 params: dict[str, object] | None = None,
                 problems: list[InvalidField] | None = None) -> None:
        self.template, self.params = message or self.message, params or {}
        super().__init__(self.template % self.params if self.params else self.template,
                         field=field)
        self.problems: list[InvalidField] = problems if problems is not None else [self]

    @classmethod
    def combine(cls, problems: list[InvalidField]) -> InvalidField:
        """One error naming every wrong field (the first one's message when alone)."""
        if len(problems) == 1:
            return problems[0]
        return cls("%(num)d fields are invalid.", field=problems[0].field,
                   params={"num": len(problems)}, problems=problems)


class NotAuthenticated(AppError):
    status, code, message = 401, "not_authenticated", "Log in to continue."


class InvalidCredentials(AppError):
    status, code, message = 401, "invalid_credentials", "Wrong email or password."


class CsrfFailed(AppError):
    status, code, message = 403, "csrf_failed", "Missing or wrong CSRF token."


class TooManyRequests(AppError):
    """Raised with its `Retry-After` header by `compartilha.services.throttle`."""

    status, code, message = 429, "too_many_requests", "Too many attempts; try again later."


class WrongPassword(AppError):
    """The account's own password, asked again before a change that needs it."""

    status, code, message = 403, "wrong_password", "The current password is wrong."


class PasswordNeeded(AppError):
    """A change that needs the account's password (a new email) came without it."""

    status, code, message = 403, "password_needed", "Type your password to change your email."


class SessionNotFound(AppError):
    status, code, message = 404, "session_not_found", "Session not found."


class CountersUnavailable(AppError):
    """The shared store of rate-limit counters (Redis) does not answer: closed, not open."""

    status, code, message = 503, "unavailable", "Try again shortly."


class EmailTaken(AppError):
    status, code = 409, "email_taken"
    message = "An account with this email, or one very like it, already exists."


class EmailUnverified(AppError):
    """Links are mailed to other people only from an account whose own address is proven,
    so a throwaway sign-up cannot send mail under our name."""

    status, code, message = 403, "email_unverified", (
        "Confirm your email address before sending links by email.")


class InvalidToken(AppError):
    """A mailed link's token that is unknown, used, expired, or for an older address: 404,
    like a share link that does not exist (one answer for all four, no oracle)."""

    status, code, message = 404, "invalid_token", (
        "This link is invalid, was already used or has expired.")


class FileNotFound(AppError):
    status, code, message = 404, "file_not_found", "File not found."


class FolderNotFound(AppError):
    status, code, message = 404, "folder_not_found", "Folder not found."


class FolderCycle(AppError):
    status, code = 422, "folder_cycle"
    message = "A folder cannot be moved into itself or into a folder inside it."

class ShareNotFound(AppError):
    status, code, message = 404, "share_not_found", "Share link not found."


class ShareRevoked(AppError):
    status, code, message = 410, "share_revoked", "This link was revoked by its owner."


class UploadRefused(AppError):
    status, code, message = 422, "upload_refused", "This file cannot be uploaded."


class NoFile(AppError):
    status, code, message = 422, "no_file", "Send the file in the multipart field `file`."


class TooLarge(AppError):
    status, code, message = 413, "too_large", "The file is larger than the limit."

    @classmethod
    def over(cls, limit: int) -> TooLarge:
        """The error naming the limit, so a client can tell its user what fits."""
        return cls(f"The file is larger than the limit of {limit} bytes.")


def size_text(size: int) -> str:
    """Bytes the way people read them, in binary units ("9.5 MB"): the English text of an
    error (pages and API clients get it in their language, `http.error_handlers`)."""
    value, unit, units = float(size), 0, ("B", "KB", "MB", "GB", "TB", "PB")
    while value >= 1024 and unit < len(units) - 1:
        value, unit = value / 1024, unit + 1
    number = f"{value:.0f}" if unit == 0 else f"{value:.1f}".removesuffix(".0")
    return f"{number} {units[unit]}"


class QuotaExceeded(AppError):
    """An account's storage quota (bytes or files) would be exceeded. `visitor`: told to
    someone sending through the owner's upload link, who never learns the owner's figures."""

    status, code, message = 413, "quota_exceeded", "Storage quota exceeded."
    OWNER = "Storage quota exceeded: %(used)s of %(quota)s used."
    OWNER_FILES = "File quota exceeded: %(used)s of %(quota)s files stored."
    VISITOR = "The recipient's storage is full."

    def __init__(self, used: int, quota: int, *, files: bool = False,
                 visitor: bool = False) -> None:
        self.used, self.quota, self.files, self.visitor = used, quota, files, visitor
        self.template = (self.VISITOR if visitor else self.OWNER_FILES if files
                         else self.OWNER)
        say = str if files else size_text
        super().__init__(self.template if visitor
                         else self.template % {"used": say(used), "quota": say(quota)})


class StorageFull(AppError):
    status, code, message = 507, "storage_full", "The server has no room for this file."


class ShareItemNotFound(AppError):
    """A file or folder asked for through a link that does not hold it (or no longer)."""

    status, code, message = 404, "share_item_not_found", "This link holds no such item."


class ShareEmpty(AppError):
    """Everything a link to several things pointed to was deleted: the link has ended."""

    status, code, message = 410, "share_empty", "Everything this link pointed to was deleted."


class ShareExpired(AppError):
    status, code, message = 410, "share_expired", "This link has expired."


class ShareUsedUp(AppError):
    status, code, message = 410, "share_used_up", "This link reached its download limit."


class ShareBusy(AppError):
    """Raised with `Retry-After`: the slots left are held by downloads in progress, which
    may yet fail and give theirs back (410 would say the link is gone for good)."""

    status, code, message = 503, "share_busy", (
        "Every download this link allows is in progress; try again shortly.")


class PasswordRequired(AppError):
    status, code, message = 401, "password_required", "This link is protected by a password."


class WrongSharePassword(AppError):
    status, code, message = 401, "wrong_share_password", "Wrong password for this link."


class RecipientRequired(AppError):
    """A link addressed to someone, opened by anyone else: 404 on every download URL; its
    page asks for the address and a mailed code instead."""

    status, code, message = 404, "recipient_required", (
        "This link was sent to someone; open its page to prove that it is you.")


class WrongShareCode(AppError):
    """The one-time code of a link addressed to someone: wrong, expired, used, or asked
    for another address (one answer for all, so it tells nothing)."""

    status, code, message = 401, "wrong_share_code", "Wrong or expired code."


class NoPreview(AppError):
    status, code, message = 404, "no_preview", "This file has no preview."


class TooManyUnfinished(AppError):
    status, code = 429, "too_many_unfinished_uploads"
    message = "You have too many unfinished uploads; finish or cancel some first."


class TooManyLinkUploads(AppError):
    status, code = 429, "request_too_many_unfinished"
    message = ("This upload link has too many unfinished uploads; finish or cancel some, "
               "or try again later.")


class UploadNotFound(AppError):
    status, code, message = 404, "upload_not_found", "Upload not found."


class UploadExpired(AppError):
    status, code, message = 410, "upload_expired", "This upload expired; start it again."


class UploadOffsetMismatch(AppError):
    status, code, message = 409, "offset_mismatch", "Upload-Offset is not the bytes received."


class UploadLocked(AppError):
    status, code, message = 423, "upload_locked", "Another request is sending this upload."


class NotPartial(AppError):
    status, code = 400, "not_a_partial_upload"
    message = "A final upload joins partial uploads only (Upload-Concat: partial)."


class PartialUnfinished(AppError):
    status, code = 400, "partial_upload_unfinished"
    message = "Every partial upload must be finished before the final one."


class ChecksumMismatch(AppError):
    status, code, message = 460, "checksum_mismatch", "The bytes do not match Upload-Checksum."


class TusError(AppError):
    """A malformed tus request; status and code given where raised."""

    def __init__(self, status: int, code: str, message: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message, headers=headers)
        self.status, self.code = status, code


class WebhookNotFound(AppError):
    status, code, message = 404, "webhook_not_found", "Webhook not found."


class RequestNotFound(AppError):
    status, code, message = 404, "request_not_found", "Upload link not found."


class RequestEnded(AppError):
    """An upload link that takes no more files: 410 with why."""

    status, code, message = 410, "request_ended", "This upload link takes no more files."
    WHY = {"revoked": ("request_revoked", "This upload link was revoked by its owner."),
           "expired": ("request_expired", "This upload link has expired."),
           "full": ("request_full", "This upload link has received all it takes.")}

    @classmethod
    def because(cls, state: str) -> RequestEnded:
        code, message = cls.WHY[state]
        ended = cls(message)
        ended.code = code
        return ended


# Administration (issue 18): roles and the accounts admins govern.
class AdminOnly(AppError):
    status, code, message = 403, "admin_only", "Only an administrator can do this."


class AccountDisabled(AppError):
    """Told only after the right password: a wrong one answers as for any account."""

    status, code, message = 403, "account_disabled", (
        "This account is disabled; ask an administrator.")


class UserNotFound(AppError):
    status, code, message = 404, "user_not_found", "User not found."


class LastAdmin(AppError):
    """The instance must keep an enabled administrator, or no one could govern it."""

    status, code, message = 409, "last_admin", (
        "This is the last enabled administrator; make another one first.")


class NotOnYourself(AppError):
    """An admin cannot lock themselves out (demote, disable or delete their own account)."""

    status, code, message = 409, "not_on_yourself", (
        "You cannot do this to your own account; ask another administrator.")


# Sign-up control and invitations (issue 18): services.registration, services.invitations.
class RegistrationClosed(AppError):
    status, code, message = 403, "registration_closed", (
        "Sign-up is closed; ask an administrator.")


class InvitationRequired(AppError):
    status, code, message = 403, "invitation_required", (
        "Sign-up is by invitation: open the link of the invitation you received.")


class InvitationInvalid(AppError):
    """Unknown, already used, revoked or expired: one answer, so a guess learns nothing."""

    status, code, message = 403, "invitation_invalid", (
        "This invitation is invalid, was already used or has expired; ask for a new one.")


class InvitationForAnotherEmail(AppError):
    status, code, message = 403, "invitation_wrong_email", (
        "This invitation is for another email address.")


class EmailDomainNotAllowed(AppError):
    status, code, message = 403, "email_domain_not_allowed", (
        "Accounts with this email domain cannot sign up here.")


class InvitationsDisabled(AppError):
    status, code, message = 403, "invitations_disabled", "You cannot send invitations."


class InvitationNotFound(AppError):
    status, code, message = 404, "invitation_not_found", "Invitation not found."


# Antivirus (issue 18): what clamd said of an upload before it was recorded.
class MalwareDetected(AppError):
    """The upload matched an antivirus signature: its bytes are gone, nothing recorded."""

    status, code, message = 422, "malware_detected", "This file contains malware."

    @classmethod
    def named(cls, signature: str) -> MalwareDetected:
        found = cls(f"This file contains malware ({signature}); it was not stored.")
        found.signature = signature
        return found

    signature = ""


class ScannerUnavailable(AppError):
    """The antivirus could not scan the upload and the instance refuses what it cannot
    scan (CLAMAV_UNAVAILABLE=refuse): nothing was kept."""

    status, code, message = 503, "scanner_unavailable", (
        "The antivirus is unavailable, so the file was not stored; try again later.")


class UnknownSetting(AppError):
    status, code, message = 422, "unknown_setting", "There is no such setting."


class UploadLinksDisabled(AppError):
    """users_may_create_upload_links is off: only admins create upload links."""

    status, code, message = 403, "upload_links_disabled", (
        "Only an administrator can create upload links here.")


class PublicLinksDisabled(AppError):
    """users_may_create_public_links is off: a user's share links name their recipients."""

    status, code, message = 403, "public_links_disabled", (
        "Links that anyone can open are turned off here: send the link to recipients.")


class LogoRefused(AppError):
    status, code, message = 422, "logo_refused", (
        "The logo must be a PNG, JPEG or WebP image of at most 256 KiB.")


# Two-step sign-in (issue 19): services.two_step.
class WrongCode(AppError):
    """A two-step code (from the app, or a recovery code) that is wrong, was already used,
    or belongs to an older window."""

    status, code, message = 403, "wrong_code", "This code is wrong or was already used."


class SecondStepExpired(AppError):
    """The `mfa_token` of a sign-in half done is unknown, used or expired: start again."""

    status, code, message = 401, "mfa_token_invalid", (
        "This sign-in has expired or was already finished; log in again.")


class TwoStepState(AppError):
    """Enrolling when two-step sign-in is on, confirming or disabling when it is off."""

    status, code, message = 409, "two_step_state", (
        "Two-step sign-in is not in a state that allows this; reload and try again.")


class TwoStepRequired(AppError):
    """The instance requires two-step sign-in and this account has not set it up."""

    status, code, message = 403, "two_step_required", (
        "Set up two-step sign-in to continue: this site requires it.")
# Personal API tokens (issue 19).
class ApiTokenNotFound(AppError):
    status, code, message = 404, "token_not_found", "API token not found."


class SessionRequired(AppError):
    """An API token reached a route that only a signed-in session may use (tokens,
    passwords, two-step, passkeys, sessions, account deletion, administration)."""

    status, code, message = 403, "session_required", (
        "An API token cannot do this; sign in to do it.")


class ScopeMissing(AppError):
    """The API token lacks the scope the route needs; `field` names it."""

    status, code = 403, "scope_missing"

    def __init__(self, scope: str) -> None:
        super().__init__(f"This API token lacks the scope {scope}.", field=scope)
        self.scope = scope
# Passkeys (issue 19): services.passkeys.
class PasskeyNotFound(AppError):
    status, code, message = 404, "passkey_not_found", "Passkey not found."


class ChallengeInvalid(AppError):
    """A WebAuthn challenge that is unknown, already used, expired or someone else's:
    one answer for all (404, like a mailed link's token); the ceremony starts again."""

    status, code, message = 404, "challenge_invalid", (
        "This passkey request has expired or was already used; try again.")


class PasskeyRejected(AppError):
    """The authenticator's answer to a registration did not verify."""

    status, code, message = 403, "passkey_rejected", (
        "The passkey could not be verified; try again.")


class PasskeyExists(AppError):
    status, code, message = 409, "passkey_exists", (
        "This passkey is already registered.")


class TooManyPasskeys(AppError):
    status, code, message = 409, "too_many_passkeys", (
        "This account has as many passkeys as it may; remove one first.")


class UserVerificationRequired(AppError):
    """A passkey alone signs in only when the authenticator verified its holder (PIN or
    biometrics): two factors. One that only proved presence is a second step."""

    status, code, message = 403, "user_verification_required", (
        "This passkey did not verify you (PIN or biometrics): log in with your password "
        "and use it as the second step.")
class PasswordLoginDisabled(AppError):
    """PASSWORD_LOGIN=0: passwords do not sign in, sign up or reset here (single sign-on
    and passkeys do)."""

    status, code, message = 403, "password_login_disabled", (
        "Signing in with a password is turned off here; use single sign-on.")


class SsoNotConfigured(AppError):
    status, code, message = 404, "sso_not_configured", "Single sign-on is not set up here."


class SsoFailed(AppError):
    """The provider's answer cannot be trusted or used: an unknown, replayed or expired
    state, an error from the provider, a code or id_token that does not check out."""

    status, code, message = 400, "sso_failed", (
        "Single sign-on did not complete; start again from the sign-in page.")


class SsoEmailUnverified(AppError):
    status, code, message = 403, "sso_email_unverified", (
        "An account already has this email, and the provider does not say it is verified.")


class SsoNoAccount(AppError):
    status, code, message = 403, "sso_no_account", (
        "No account here matches your single sign-on identity; ask an administrator.")
