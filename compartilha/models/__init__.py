"""Typed SQLAlchemy 2.0 models; table and column names are the request's."""

from .counters import Counter
from .files import File
from .folders import Folder
from .notifications import Delivery, Notification, Webhook
from .recipients import RecipientCode
from .requests import FileRequest
from .shares import Access, Share, ShareItem
from .tus import Upload
from .users import AccountToken, Session, User

__all__ = ["AccountToken", "Access", "Counter", "Delivery", "File", "FileRequest", "Folder",
           "Notification", "RecipientCode", "Session", "Share", "ShareItem", "Upload", "User",
           "Webhook"]
