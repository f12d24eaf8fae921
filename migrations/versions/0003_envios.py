"""tus uploads: unfinished uploads (envios)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 02:14:42.384544

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('envios',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32).with_variant(mysql.VARCHAR(collation='utf8mb4_bin', length=32), 'mariadb').with_variant(mysql.VARCHAR(collation='utf8mb4_bin', length=32), 'mysql'), nullable=False),
    sa.Column('usuario_id', sa.Integer(), nullable=False),
    sa.Column('nome', sa.String(length=255), nullable=False),
    sa.Column('tipo', sa.String(length=50), nullable=False),
    sa.Column('tamanho', sa.BigInteger(), nullable=False),
    sa.Column('recebidos', sa.BigInteger(), nullable=False, server_default='0'),
    sa.Column('armazenamento', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False, server_default=sa.func.current_timestamp()),
    sa.Column('expira_em', sa.DateTime(), nullable=False),
    sa.Column('trava', sa.String(length=32), nullable=True),
    sa.Column('trava_ate', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['usuario_id'], ['usuarios.id'], name=op.f('fk_envios_usuario_id_usuarios'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_envios')),
    sa.UniqueConstraint('token', name=op.f('uq_envios_token')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('envios', schema=None) as batch_op:
        batch_op.create_index('ix_envios_expira_em', ['expira_em'], unique=False)
        batch_op.create_index('ix_envios_usuario_id', ['usuario_id'], unique=False)



def downgrade():
    with op.batch_alter_table('envios', schema=None) as batch_op:
        batch_op.drop_index('ix_envios_usuario_id')
        batch_op.drop_index('ix_envios_expira_em')

    op.drop_table('envios')
