"""upload links: pedidos; a received file's provenance (arquivos.pedido_id,
remetente_nome, remetente_email, remetente_ip)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 17:20:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

TABLE = {'mysql_charset': 'utf8mb4', 'mysql_collate': 'utf8mb4_unicode_ci',
         'mysql_engine': 'InnoDB'}


def _binary(length):
    binary = mysql.VARCHAR(collation='utf8mb4_bin', length=length)
    return sa.String(length=length).with_variant(binary, 'mariadb').with_variant(binary, 'mysql')


def upgrade():
    op.create_table('pedidos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('usuario_id', sa.Integer(), nullable=False),
    sa.Column('pasta_id', sa.Integer(), nullable=False),
    sa.Column('link', _binary(64), nullable=False),
    sa.Column('titulo', sa.String(length=255), nullable=False),
    sa.Column('mensagem', sa.String(length=2000), nullable=True),
    sa.Column('criado_em', sa.DateTime(), nullable=False),
    sa.Column('expira_em', sa.DateTime(), nullable=True),
    sa.Column('revogado_em', sa.DateTime(), nullable=True),
    sa.Column('limite_arquivos', sa.Integer(), nullable=True),
    sa.Column('limite_bytes_arquivo', sa.BigInteger(), nullable=True),
    sa.Column('limite_bytes_total', sa.BigInteger(), nullable=True),
    sa.Column('senha', sa.String(length=255), nullable=True),
    sa.Column('exigir_nome', sa.Boolean(), nullable=False),
    sa.Column('exigir_email', sa.Boolean(), nullable=False),
    sa.Column('mostrar_enviados', sa.Boolean(), nullable=False),
    sa.Column('notificar', sa.Boolean(), nullable=False),
    sa.Column('arquivos_recebidos', sa.Integer(), nullable=False),
    sa.Column('bytes_recebidos', sa.BigInteger(), nullable=False),
    sa.Column('ultimo_envio_em', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['usuario_id'], ['usuarios.id'],
                            name=op.f('fk_pedidos_usuario_id_usuarios'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pasta_id'], ['pastas.id'],
                            name=op.f('fk_pedidos_pasta_id_pastas'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pedidos')),
    sa.UniqueConstraint('link', name=op.f('uq_pedidos_link')),
    **TABLE)
    with op.batch_alter_table('pedidos', schema=None) as batch_op:
        batch_op.create_index('ix_pedidos_usuario_id', ['usuario_id'], unique=False)
        batch_op.create_index('ix_pedidos_pasta_id', ['pasta_id'], unique=False)

    with op.batch_alter_table('arquivos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pedido_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('remetente_nome', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('remetente_email', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('remetente_ip', sa.String(length=45), nullable=True))
        batch_op.create_index('ix_arquivos_pedido_id', ['pedido_id'], unique=False)
        batch_op.create_foreign_key(op.f('fk_arquivos_pedido_id_pedidos'), 'pedidos',
                                    ['pedido_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('arquivos', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_arquivos_pedido_id_pedidos'), type_='foreignkey')
        batch_op.drop_index('ix_arquivos_pedido_id')
        batch_op.drop_column('remetente_ip')
        batch_op.drop_column('remetente_email')
        batch_op.drop_column('remetente_nome')
        batch_op.drop_column('pedido_id')
    op.drop_table('pedidos')
