"""share controls

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 02:05:27.115244

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('acessos',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('compartilhamento_id', sa.Integer(), nullable=False),
    sa.Column('data', sa.DateTime(), nullable=False),
    sa.Column('usuario_id', sa.Integer(), nullable=True),
    sa.Column('ip', sa.String(length=45), nullable=False),
    sa.Column('user_agent', sa.String(length=255), nullable=False),
    sa.Column('bytes_enviados', sa.BigInteger(), nullable=False),
    sa.Column('concluido', sa.Boolean(), nullable=True),
    sa.Column('concluido_em', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['compartilhamento_id'], ['compartilhamentos.id'], name=op.f('fk_acessos_compartilhamento_id_compartilhamentos'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['usuario_id'], ['usuarios.id'], name=op.f('fk_acessos_usuario_id_usuarios'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acessos')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('acessos', schema=None) as batch_op:
        batch_op.create_index('ix_acessos_compartilhamento_id', ['compartilhamento_id'], unique=False)
        batch_op.create_index('ix_acessos_usuario_id', ['usuario_id'], unique=False)

    with op.batch_alter_table('compartilhamentos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expira_em', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('max_downloads', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('downloads', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('reservados', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('ultimo_download_em', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('senha', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('destinatario_email', sa.String(length=255), nullable=True))
        batch_op.create_index('ix_compartilhamentos_destinatario_email', ['destinatario_email'], unique=False)



def downgrade():
    with op.batch_alter_table('compartilhamentos', schema=None) as batch_op:
        batch_op.drop_index('ix_compartilhamentos_destinatario_email')
        batch_op.drop_column('destinatario_email')
        batch_op.drop_column('senha')
        batch_op.drop_column('ultimo_download_em')
        batch_op.drop_column('reservados')
        batch_op.drop_column('downloads')
        batch_op.drop_column('max_downloads')
        batch_op.drop_column('expira_em')

    with op.batch_alter_table('acessos', schema=None) as batch_op:
        batch_op.drop_index('ix_acessos_usuario_id')
        batch_op.drop_index('ix_acessos_compartilhamento_id')

    op.drop_table('acessos')
