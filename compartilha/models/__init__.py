"""Typed SQLAlchemy 2.0 models; table and column names are the request's."""

from .files import File
from .shares import Access, Share
from .uploads import Upload
from .users import Session, User

__all__ = ["Access", "File", "Session", "Share", "Upload", "User"]
