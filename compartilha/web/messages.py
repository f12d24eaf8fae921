"""Service errors in the reader's language: the services speak English codes, pages translate."""

from __future__ import annotations

from flask_babel import gettext as _

from ..errors import AppError, InvalidField
from ..http import field_errors


def for_error(exc: AppError) -> str:
    """A translated sentence for a domain error: a wrong field's own, else by code."""
    if isinstance(exc, InvalidField):
        return field_errors.say(exc.problems[0])
    by_code = {
        "email_taken": lambda: _(
            "An account with this email, or one very like it, already exists."),
        "invalid_credentials": lambda: _("Wrong email or password."),
        "wrong_password": lambda: _("The password you typed is wrong."),
        "too_many_requests": lambda: _("Too many attempts. Wait a few minutes and try again."),
        "session_not_found": lambda: _("That session has already ended."),
        "password_needed": lambda: _("Type your password to change your email."),
        "invalid_token": lambda: _(
            "This link is invalid, was already used or has expired. Ask for a new one."),
        "email_unverified": lambda: _(
            "Confirm your email address before sending links by email."),
        "account_disabled": lambda: _("This account is disabled; ask an administrator."),
        "password_login_disabled": lambda: _(
            "Signing in with a password is turned off here; use single sign-on."),
        "last_admin": lambda: _(
            "This is the last enabled administrator; make another one first."),
        "not_on_yourself": lambda: _(
            "You cannot do this to your own account; ask another administrator."),
        "user_not_found": lambda: _("User not found."),
        "registration_closed": lambda: _("Sign-up is closed — ask an administrator."),
        "invitation_required": lambda: _(
            "Sign-up is by invitation: open the link of the invitation you received."),
        "invitation_invalid": lambda: _(
            "This invitation is invalid, was already used or has expired; ask the person "
            "who invited you for a new one."),
        "invitation_wrong_email": lambda: _("This invitation is for another email address."),
        "email_domain_not_allowed": lambda: _(
            "Accounts with this email domain cannot sign up here."),
        "invitations_disabled": lambda: _("You cannot send invitations."),
        "invitation_not_found": lambda: _("Invitation not found."),


        "upload_links_disabled": lambda: _(
            "Only an administrator can create upload links here."),
        "public_links_disabled": lambda: _(
            "Links that anyone can open are turned off here: send the link to recipients."),
        "logo_refused": lambda: _(
            "The logo must be a PNG, JPEG or WebP image of at most 256 KiB."),
        "wrong_code": lambda: _("This code is wrong or was already used."),
        "mfa_token_invalid": lambda: _(
            "This sign-in has expired or was already finished; log in again."),
        "two_step_state": lambda: _(
            "Two-step sign-in is not in a state that allows this; reload and try again."),
        "two_step_required": lambda: _(
            "Set up two-step sign-in to continue: this site requires it."),
        "token_not_found": lambda: _("That token was already revoked."),
        "passkey_not_found": lambda: _("Passkey not found."),
    }
    if exc.code in by_code:
        return by_code[exc.code]()
    return exc.message


def errors_by_field(exc: AppError, default: str = "form") -> dict[str, str]:
    """Every wrong field's message at once, for a form to mark them all."""
    if isinstance(exc, InvalidField):
        return field_errors.fields_of(exc) or {default: for_error(exc)}
    return {exc.field or default: for_error(exc)}


def error_page(code: str, message: str) -> tuple[str, str, str]:
    """Icon, title and explanation of an error page, in the reader's language."""
    trouble = ("server", _("We are having trouble"),
               _("The service is temporarily unavailable. Try again in a moment."))
    missing = ("compass", _("Page not found"),
               _("The address may be mistyped, or the page may have moved."))
    pages = {
        "share_expired": ("clock", _("This link has expired"),
                          _("Its owner set a date after which it no longer works. "
                            "Ask them for a new link.")),
        "share_used_up": ("download", _("This link reached its download limit"),
                          _("It was downloaded as many times as its owner allowed. "
                            "Ask them for a new link.")),
        "share_revoked": ("x", _("This link was revoked"),
                          _("Its owner turned it off. If you still need the file, "
                            "ask them for a new link.")),
        "share_not_found": ("link", _("Link not found"),
                            _("Check that you copied the whole address. The link may also "
                              "have been deleted with its file.")),
        "recipient_required": ("mail", _("This link was sent to someone"),
                               _("Open the link's page to prove that it is you: a code is "
                                 "emailed to the address it was sent to.")),
        "share_empty": ("folder", _("Nothing is left behind this link"),
                        _("Everything it pointed to was deleted. Ask its owner for a new "
                          "link.")),
        "share_item_not_found": ("folder", _("Not in this link"),
                                 _("This link holds no such file or folder (any more).")),
        "file_not_found": ("file", _("File not found"), _("It may have been deleted.")),
        "request_not_found": ("inbox", _("Upload link not found"),
                              _("Check that you copied the whole address. The link may also "
                                "have been deleted.")),
        "request_expired": ("clock", _("This upload link has expired"),
                            _("Ask the person who sent it for a new one.")),
        "request_revoked": ("x", _("This upload link was closed"),
                            _("Its owner turned it off. Ask them for a new one.")),
        "request_full": ("inbox", _("This upload link is full"),
                         _("It has received all the files it takes. Ask its owner for a "
                           "new one.")),
        "csrf_failed": ("shield", _("Please try again"),
                        _("This form expired or came from another page. "
                          "Reload the page and send it again.")),
        "too_large": ("upload", _("This file is too large"),
                      _("It is larger than this server accepts.")),
        "quota_exceeded": ("upload", _("No room for this file"), message),
        "too_many_requests": ("clock", _("Too many attempts"),
                              _("Wait a few minutes and try again.")),
        "malware_detected": ("shield", _("This file was refused"),
                             _("The antivirus found malware in it, so it was not stored. "
                               "Nothing of it was kept.")),
        "scanner_unavailable": ("clock", _("The file could not be checked"),
                                _("The antivirus is unavailable, so the file was not stored. "
                                  "Try again in a few minutes.")),
        "password_login_disabled": ("shield", _("Passwords are turned off here"), _(
            "This site signs people in by single sign-on: there is no sign-up or password "
            "reset by password. Use the sign-in page.")),
        "admin_only": ("shield", _("For administrators only"),
                       _("This page is for the administrators of this server.")),
        "database_unavailable": trouble,
        "unavailable": trouble,
        "not_found": missing,
        "method_not_allowed": missing,
        "internal_error": ("alert", _("Something went wrong"),
                           _("An error happened on our side. It was logged; please try again.")),
    }
    return pages.get(code, ("alert", _("Something went wrong"), message))
