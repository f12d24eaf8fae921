"""Typed SQLAlchemy 2.0 models; table and column names are the request's."""

from .audit import AuditEvent
from .counters import Counter
from .credentials import ApiToken, Challenge, ExternalIdentity, Passkey, RecoveryCode
from .files import File
from .folders import Folder
from .invitations import Invitation
from .notifications import Delivery, Notification, Webhook
from .recipients import RecipientCode
from .requests import FileRequest
from .settings import Setting
from .shares import Access, Share, ShareItem
from .tus import Upload
from .users import AccountToken, Session, User

__all__ = ["AccountToken", "Access", "ApiToken", "AuditEvent", "Challenge", "Counter", "Delivery",
           "ExternalIdentity", "File", "FileRequest", "Folder", "Invitation", "Notification",
           "Passkey", "RecipientCode", "RecoveryCode", "Session", "Setting", "Share",
           "ShareItem", "Upload", "User", "Webhook"]
