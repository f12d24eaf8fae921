"""rate-limit counters shared by every worker and server (contadores)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('contadores',
    sa.Column('chave', sa.String(length=64).with_variant(mysql.VARCHAR(collation='utf8mb4_bin', length=64), 'mariadb').with_variant(mysql.VARCHAR(collation='utf8mb4_bin', length=64), 'mysql'), nullable=False),
    sa.Column('contagem', sa.Integer(), nullable=False),
    sa.Column('renova_em', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('chave', name=op.f('pk_contadores')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('contadores', schema=None) as batch_op:
        batch_op.create_index('ix_contadores_renova_em', ['renova_em'], unique=False)


def downgrade():
    with op.batch_alter_table('contadores', schema=None) as batch_op:
        batch_op.drop_index('ix_contadores_renova_em')

    op.drop_table('contadores')
