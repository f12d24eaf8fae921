"""tus uploads through an upload link: envios.pedido_id and the sender (remetente_nome,
remetente_email, remetente_ip), carried to the file when its last byte lands; the
arrivals an upload link's owner was last told of (pedidos.avisado_ate_id)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 20:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('envios', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pedido_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('remetente_nome', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('remetente_email', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('remetente_ip', sa.String(length=45), nullable=True))
        batch_op.create_index('ix_envios_pedido_id', ['pedido_id'], unique=False)
        batch_op.create_foreign_key(op.f('fk_envios_pedido_id_pedidos'), 'pedidos',
                                    ['pedido_id'], ['id'], ondelete='CASCADE')
    with op.batch_alter_table('pedidos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('avisado_ate_id', sa.BigInteger(), nullable=True))


def downgrade():
    with op.batch_alter_table('pedidos', schema=None) as batch_op:
        batch_op.drop_column('avisado_ate_id')
    with op.batch_alter_table('envios', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_envios_pedido_id_pedidos'), type_='foreignkey')
        batch_op.drop_index('ix_envios_pedido_id')
        batch_op.drop_column('remetente_ip')
        batch_op.drop_column('remetente_email')
        batch_op.drop_column('remetente_nome')
        batch_op.drop_column('pedido_id')
