"""one canonical form for emails, compared byte for byte; look-alike skeleton (email_esqueleto)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 10:30:00.000000

What happens to existing rows:
- Every `usuarios.email` and `compartilhamentos.destinatario_email` is rewritten in the
  canonical form: NFKC + casefold, then email-validator's normalisation when the address
  is valid. An address that is no longer valid (the old check was looser) is kept
  folded, so its owner still logs in with it; new ones must be valid.
- `usuarios.email_esqueleto` gets each address without accents, strokes, ligatures or
  width, under a unique index; `email` and `destinatario_email` become utf8mb4_bin on
  MySQL/MariaDB, so the database compares them exactly as Python does.
- When two accounts end up with one canonical address, or with one skeleton (`carol@`
  and `ｃarol@` or `cárol@` on SQLite, where nothing stopped them), the oldest account
  (lowest id) keeps its address. Each younger one keeps its name, password, files and
  links, but its address becomes `conflito-<id>@email.invalid` (a reserved domain:
  nobody can register it and no mail goes there); a warning names it with its old
  address. Its owner can log in with that placeholder, and the operator gives the
  account a real address with `flask set-email <id> <email>`. On MariaDB such pairs
  could not exist (its collation already refused them), so nothing is renamed there.

The folding below is a frozen copy of services/validation.py as of this revision, so
that this migration means the same thing whatever the code becomes later.
"""
import logging
import unicodedata

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from email_validator import EmailNotValidError, validate_email

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

log = logging.getLogger('alembic.runtime.migration')
LOOKALIKES = str.maketrans({"ø": "o", "đ": "d", "ð": "d", "ł": "l", "ħ": "h", "ŧ": "t",
                            "ı": "i", "æ": "ae", "œ": "oe", "þ": "th", "ŀ": "l", "ĸ": "k",
                            "ŋ": "n"})
users = sa.table('usuarios', sa.column('id', sa.Integer), sa.column('email', sa.String),
                 sa.column('email_esqueleto', sa.String))
shares = sa.table('compartilhamentos', sa.column('id', sa.Integer),
                  sa.column('destinatario_email', sa.String))


def binary(length):
    return sa.String(length=length).with_variant(
        mysql.VARCHAR(collation='utf8mb4_bin', length=length), 'mariadb').with_variant(
        mysql.VARCHAR(collation='utf8mb4_bin', length=length), 'mysql')


def fold(value):
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value.strip()).casefold())


def canonical(value):
    folded = fold(value)
    try:
        return validate_email(folded, check_deliverability=False).normalized[:255]
    except EmailNotValidError:
        return folded[:255]


def skeleton(value):
    plain = unicodedata.normalize("NFKD", value.translate(LOOKALIKES))
    return fold("".join(ch for ch in plain if not unicodedata.category(ch).startswith("M")))


def new_addresses(rows):
    """id -> (email, skeleton), the oldest account keeping a contested address."""
    taken, result = set(), {}
    for user_id, email in sorted(rows):
        address = canonical(email)
        if address in taken or skeleton(address) in taken:
            placeholder = f"conflito-{user_id}@email.invalid"
            log.warning("account %s: its email %r is, once canonical, that of an older "
                        "account (or looks like it); it is now %s - give it a new one with "
                        "`flask set-email %s EMAIL`", user_id, email, placeholder, user_id)
            address = placeholder
        taken.update({address, skeleton(address)})
        result[user_id] = (address, skeleton(address))
    return result


def upgrade():
    bind = op.get_bind()
    on_mysql = bind.dialect.name in ('mysql', 'mariadb')
    # SQLite cannot add a NOT NULL column without a default; '' is never a skeleton.
    op.add_column('usuarios', sa.Column('email_esqueleto', binary(512), nullable=False,
                                        server_default=''))
    if on_mysql:
        op.alter_column('usuarios', 'email', existing_nullable=False, type_=binary(255))
        op.alter_column('compartilhamentos', 'destinatario_email', existing_nullable=True,
                        type_=binary(255))
    rows = bind.execute(sa.select(users.c.id, users.c.email)).all()
    final = new_addresses(rows)
    # Two passes, so that no row briefly takes an address another still holds.
    for user_id, email in rows:
        if final[user_id][0] != email:
            bind.execute(users.update().where(users.c.id == user_id)
                         .values(email=f"#migrating-{user_id}"))
    for user_id, (email, skel) in final.items():
        bind.execute(users.update().where(users.c.id == user_id)
                     .values(email=email, email_esqueleto=skel))
    for share_id, email in bind.execute(sa.select(shares.c.id, shares.c.destinatario_email)
                                        .where(shares.c.destinatario_email.is_not(None))):
        if canonical(email) != email:
            bind.execute(shares.update().where(shares.c.id == share_id)
                         .values(destinatario_email=canonical(email)))
    # An index, not a table constraint: SQLite would rebuild `usuarios` for a constraint,
    # and dropping the old table there cascades to every file and link.
    op.create_index('uq_usuarios_email_esqueleto', 'usuarios', ['email_esqueleto'],
                    unique=True)
    if on_mysql:
        op.alter_column('usuarios', 'email_esqueleto', existing_type=binary(512),
                        existing_nullable=False, server_default=None)


def downgrade():
    bind = op.get_bind()
    op.drop_index('uq_usuarios_email_esqueleto', table_name='usuarios')
    if bind.dialect.name in ('mysql', 'mariadb'):
        op.alter_column('compartilhamentos', 'destinatario_email', existing_nullable=True,
                        type_=sa.String(length=255))
        op.alter_column('usuarios', 'email', existing_nullable=False,
                        type_=sa.String(length=255))
        op.drop_column('usuarios', 'email_esqueleto')
    else:
        # SQLite >= 3.35 drops a column in place (no table rebuild, so no cascade).
        op.execute('ALTER TABLE usuarios DROP COLUMN email_esqueleto')
