"""download tickets: how long an unfinished download keeps its slot (acessos.vaga_ate)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 10:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('acessos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vaga_ate', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('acessos', schema=None) as batch_op:
        batch_op.drop_column('vaga_ate')
