"""one naming rule for every table: columns in Portuguese (criado_em, expira_em, revogado_em,
agente_usuario, limite_downloads)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 09:00:00.000000

The rule (docs/architecture.md): tables and columns are named in Portuguese, like the
request's own `usuarios.nome`; Python attributes are English and map to them explicitly.
Technical words stay as they are: id, email, sha256, ip, jti, token, link. Index and
constraint names are made from table and column names, so they follow; no existing one
names a renamed column.

Renamed in place, data and types kept. On SQLite `ALTER TABLE … RENAME COLUMN` (batch
mode with recreate="never"): rebuilding a table instead would drop it, and with foreign
keys on, dropping `usuarios` deletes every file, link and session (see 0005). On
MySQL/MariaDB `CHANGE COLUMN`, given each column's type, nullability and default.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

NOW = sa.text('CURRENT_TIMESTAMP')
# table -> [(old name, new name, type, nullable, server default)]
RENAMES = {
    'usuarios': [('created_at', 'criado_em', sa.DateTime(), False, None)],
    'arquivos': [('created_at', 'criado_em', sa.DateTime(), False, None)],
    'sessoes': [
        ('created_at', 'criado_em', sa.DateTime(), False, None),
        ('expires_at', 'expira_em', sa.DateTime(), False, None),
        ('revoked_at', 'revogado_em', sa.DateTime(), True, None),
        ('user_agent', 'agente_usuario', sa.String(length=255), False, None),
    ],
    'compartilhamentos': [
        ('revoked_at', 'revogado_em', sa.DateTime(), True, None),
        ('max_downloads', 'limite_downloads', sa.Integer(), True, None),
    ],
    'acessos': [('user_agent', 'agente_usuario', sa.String(length=255), False, None)],
    'envios': [('created_at', 'criado_em', sa.DateTime(), False, NOW)],
}


def _rename(backwards=False):
    for table, columns in RENAMES.items():
        with op.batch_alter_table(table, recreate='never') as batch_op:
            for old, new, type_, nullable, default in columns:
                if backwards:
                    old, new = new, old
                batch_op.alter_column(old, new_column_name=new, existing_type=type_,
                                      existing_nullable=nullable,
                                      existing_server_default=default)


def upgrade():
    _rename()


def downgrade():
    _rename(backwards=True)
