"""Column types shared by the models, and the UTC clock their dates come from."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, String, TypeDecorator
from sqlalchemy.dialects import mysql


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC (MySQL DATETIME keeps no zone) and always returns aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def case_sensitive_string(length: int) -> String:
    """A VARCHAR that compares byte-for-byte on MySQL too (its default collation ignores case)."""
    binary = mysql.VARCHAR(length, collation="utf8mb4_bin")
    return String(length).with_variant(binary, "mysql", "mariadb")


TABLE_ARGS = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_unicode_ci",
}
