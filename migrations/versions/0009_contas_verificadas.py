"""verified addresses and password resets: usuarios.verificado_em, usuarios.idioma, tokens_conta

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 14:10:00.000000

What happens to existing rows: every existing account is *unverified* (`verificado_em`
NULL): its address was never proven. Its owner sees the banner and asks for a link, or
the operator runs `flask users verify EMAIL`. Their language (`idioma`, for mail) is
Portuguese until they change it. Both columns are added in place (batch mode with
recreate="never" on SQLite: rebuilding `usuarios` would drop it, and with foreign keys on
everything of every account would go with it).
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def binary(length):
    return sa.String(length=length).with_variant(
        mysql.VARCHAR(collation='utf8mb4_bin', length=length), 'mariadb').with_variant(
        mysql.VARCHAR(collation='utf8mb4_bin', length=length), 'mysql')


def upgrade():
    with op.batch_alter_table('usuarios', recreate='never') as batch_op:
        batch_op.add_column(sa.Column('verificado_em', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('idioma', sa.String(length=8), nullable=False,
                                      server_default='pt_BR'))
    op.create_table('tokens_conta',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('usuario_id', sa.Integer(), nullable=False),
    sa.Column('finalidade', sa.String(length=16), nullable=False),
    sa.Column('hash', binary(64), nullable=False),
    sa.Column('email', binary(255), nullable=False),
    sa.Column('criado_em', sa.DateTime(), nullable=False),
    sa.Column('expira_em', sa.DateTime(), nullable=False),
    sa.Column('usado_em', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['usuario_id'], ['usuarios.id'], name=op.f('fk_tokens_conta_usuario_id_usuarios'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tokens_conta')),
    sa.UniqueConstraint('hash', name=op.f('uq_tokens_conta_hash')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('tokens_conta', schema=None) as batch_op:
        batch_op.create_index('ix_tokens_conta_usuario_id', ['usuario_id'], unique=False)
        batch_op.create_index('ix_tokens_conta_expira_em', ['expira_em'], unique=False)


def downgrade():
    op.drop_table('tokens_conta')  # its indexes with it (MySQL refuses to drop the one
    # its foreign key uses on its own)
    with op.batch_alter_table('usuarios', recreate='never') as batch_op:
        batch_op.drop_column('idioma')
        batch_op.drop_column('verificado_em')
