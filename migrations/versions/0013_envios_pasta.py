"""envios.pasta_id: the folder a tus upload lands in (issue 16, uploads into folders)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 17:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('envios', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pasta_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_envios_pasta_id', ['pasta_id'], unique=False)
        batch_op.create_foreign_key(op.f('fk_envios_pasta_id_pastas'), 'pastas',
                                    ['pasta_id'], ['id'], ondelete='CASCADE')


def downgrade():
    with op.batch_alter_table('envios', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_envios_pasta_id_pastas'), type_='foreignkey')
        batch_op.drop_index('ix_envios_pasta_id')
        batch_op.drop_column('pasta_id')
