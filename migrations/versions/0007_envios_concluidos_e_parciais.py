"""tus: a file remembers the token of the upload that made it (arquivos.token_envio), and
an unfinished upload may be a partial one of the concatenation extension (envios.parcial)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 10:40:00.000000

Both columns are added in place (batch mode with recreate="never" on SQLite: rebuilding
`arquivos` would drop it, and with foreign keys on its shares would go with it).
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

TOKEN = sa.String(length=32).with_variant(
    mysql.VARCHAR(collation='utf8mb4_bin', length=32), 'mariadb').with_variant(
    mysql.VARCHAR(collation='utf8mb4_bin', length=32), 'mysql')


def upgrade():
    with op.batch_alter_table('arquivos', recreate='never') as batch_op:
        batch_op.add_column(sa.Column('token_envio', TOKEN, nullable=True))
    op.create_index('ix_arquivos_token_envio', 'arquivos', ['token_envio'], unique=True)
    with op.batch_alter_table('envios', recreate='never') as batch_op:
        batch_op.add_column(sa.Column('parcial', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('envios', recreate='never') as batch_op:
        batch_op.drop_column('parcial')
    op.drop_index('ix_arquivos_token_envio', table_name='arquivos')
    with op.batch_alter_table('arquivos', recreate='never') as batch_op:
        batch_op.drop_column('token_envio')
