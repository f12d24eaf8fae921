"""roles and account control: usuarios.papel ('admin' or 'user'), desativado_em (a
disabled account: no sign-in, its links answer 404), cota_bytes (the account's own quota;
None: the default), ultimo_login_em. On an instance that already has accounts the oldest
becomes the admin (the first account of an empty instance is made admin at sign-up).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 00:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('usuarios', schema=None) as batch_op:
        batch_op.add_column(sa.Column('papel', sa.String(length=8), nullable=False,
                                      server_default='user'))
        batch_op.add_column(sa.Column('desativado_em', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('cota_bytes', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('ultimo_login_em', sa.DateTime(), nullable=True))
    usuarios = sa.table('usuarios', sa.column('id', sa.Integer), sa.column('papel', sa.String))
    oldest = op.get_bind().execute(sa.select(sa.func.min(usuarios.c.id))).scalar()
    if oldest is not None:
        op.execute(usuarios.update().where(usuarios.c.id == oldest).values(papel='admin'))


def downgrade():
    with op.batch_alter_table('usuarios', schema=None) as batch_op:
        batch_op.drop_column('ultimo_login_em')
        batch_op.drop_column('cota_bytes')
        batch_op.drop_column('desativado_em')
        batch_op.drop_column('papel')
