"""links by email: a share's message (mensagem) and recipients' one-time codes

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 13:50:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def _binary(length):
    binary = mysql.VARCHAR(collation='utf8mb4_bin', length=length)
    return sa.String(length=length).with_variant(binary, 'mariadb').with_variant(binary, 'mysql')


def upgrade():
    with op.batch_alter_table('compartilhamentos', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('mensagem', sa.String(length=2000), nullable=True))
    op.create_table('codigos_destinatario',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('compartilhamento_id', sa.Integer(), nullable=False),
    sa.Column('email', _binary(255), nullable=False),
    sa.Column('codigo', sa.String(length=64), nullable=False),
    sa.Column('criado_em', sa.DateTime(), nullable=False),
    sa.Column('expira_em', sa.DateTime(), nullable=False),
    sa.Column('usado_em', sa.DateTime(), nullable=True),
    sa.Column('tentativas', sa.Integer(), nullable=False, server_default='0'),
    sa.ForeignKeyConstraint(['compartilhamento_id'], ['compartilhamentos.id'], name=op.f('fk_codigos_destinatario_compartilhamento_id_compartilhamentos'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_codigos_destinatario')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('codigos_destinatario', schema=None) as batch_op:
        batch_op.create_index('ix_codigos_destinatario_compartilhamento_id', ['compartilhamento_id'], unique=False)


def downgrade():
    op.drop_table('codigos_destinatario')  # its index with it (MariaDB's FK needs it)
    with op.batch_alter_table('compartilhamentos', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('mensagem')
