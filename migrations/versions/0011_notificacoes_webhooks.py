"""notifications: notificacoes, webhooks, entregas_webhook; a link's notification options

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

TABLE = {'mysql_charset': 'utf8mb4', 'mysql_collate': 'utf8mb4_unicode_ci',
         'mysql_engine': 'InnoDB'}
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('notificacoes',
    sa.Column('id', BIG_ID, nullable=False),
    sa.Column('usuario_id', sa.Integer(), nullable=False),
    sa.Column('tipo', sa.String(length=40), nullable=False),
    sa.Column('dados', sa.JSON(), nullable=False),
    sa.Column('criado_em', sa.DateTime(), nullable=False),
    sa.Column('lida_em', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['usuario_id'], ['usuarios.id'],
                            name=op.f('fk_notificacoes_usuario_id_usuarios'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notificacoes')),
    **TABLE)
    with op.batch_alter_table('notificacoes', schema=None) as batch_op:
        batch_op.create_index('ix_notificacoes_usuario_id_lida_em', ['usuario_id', 'lida_em'],
                              unique=False)

    op.create_table('webhooks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('usuario_id', sa.Integer(), nullable=False),
    sa.Column('endereco', sa.String(length=2048), nullable=False),
    sa.Column('segredo', sa.String(length=80), nullable=False),
    sa.Column('eventos', sa.String(length=255), nullable=False),
    sa.Column('criado_em', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['usuario_id'], ['usuarios.id'],
                            name=op.f('fk_webhooks_usuario_id_usuarios'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhooks')),
    **TABLE)
    with op.batch_alter_table('webhooks', schema=None) as batch_op:
        batch_op.create_index('ix_webhooks_usuario_id', ['usuario_id'], unique=False)

    op.create_table('entregas_webhook',
    sa.Column('id', BIG_ID, nullable=False),
    sa.Column('webhook_id', sa.Integer(), nullable=False),
    sa.Column('mensagem_id', sa.String(length=40), nullable=False),
    sa.Column('evento', sa.String(length=40), nullable=False),
    sa.Column('corpo', sa.Text(), nullable=False),
    sa.Column('criado_em', sa.DateTime(), nullable=False),
    sa.Column('estado', sa.String(length=16), nullable=False),
    sa.Column('tentativas', sa.Integer(), nullable=False),
    sa.Column('ultimo_codigo', sa.Integer(), nullable=True),
    sa.Column('ultimo_erro', sa.String(length=255), nullable=True),
    sa.Column('ultima_tentativa_em', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['webhook_id'], ['webhooks.id'],
                            name=op.f('fk_entregas_webhook_webhook_id_webhooks'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entregas_webhook')),
    sa.UniqueConstraint('mensagem_id', name=op.f('uq_entregas_webhook_mensagem_id')),
    **TABLE)
    with op.batch_alter_table('entregas_webhook', schema=None) as batch_op:
        batch_op.create_index('ix_entregas_webhook_webhook_id', ['webhook_id'], unique=False)

    with op.batch_alter_table('compartilhamentos', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('notificar_download', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('aviso_expira_em', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('aviso_esgotado_em', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('compartilhamentos', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('aviso_esgotado_em')
        batch_op.drop_column('aviso_expira_em')
        batch_op.drop_column('notificar_download')
    op.drop_table('entregas_webhook')
    op.drop_table('webhooks')
    op.drop_table('notificacoes')
