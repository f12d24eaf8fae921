"""Typed SQLAlchemy 2.0 models; table and column names are the request's."""

from .counters import Counter
from .files import File
from .shares import Access, Share
from .tus import Upload
from .users import Session, User

__all__ = ["Access", "Counter", "File", "Session", "Share", "Upload", "User"]
