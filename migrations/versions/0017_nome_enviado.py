"""the name a file was sent with through an upload link (arquivos.nome_enviado): the
visitor's receipt names it so, never the name it got in the owner's folder (which could
tell them what else the folder holds)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 00:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('arquivos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nome_enviado', sa.String(length=255), nullable=True))


def downgrade():
    with op.batch_alter_table('arquivos', schema=None) as batch_op:
        batch_op.drop_column('nome_enviado')
