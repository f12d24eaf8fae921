"""what a download sent (acessos.alvo): a link to several things resumes a cut download
of the same thing, ZIP or file, even for a client that kept no cookie (`curl -C -`)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 20:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('acessos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alvo', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('acessos', schema=None) as batch_op:
        batch_op.drop_column('alvo')
