"""administration: configuracoes (settings changed in the admin pages), convites
(sign-up invitations), auditoria (the audit log), usuarios.cota_arquivos (a per-account
cap on the number of files), arquivos.verificacao (the antivirus verdict at upload)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 04:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

TABLE = {'mysql_charset': 'utf8mb4', 'mysql_collate': 'utf8mb4_unicode_ci',
         'mysql_engine': 'InnoDB'}


def _binary(length):
    binary = mysql.VARCHAR(collation='utf8mb4_bin', length=length)
    return sa.String(length=length).with_variant(binary, 'mariadb').with_variant(binary, 'mysql')


def upgrade():
    op.create_table('configuracoes',
    sa.Column('chave', _binary(64), nullable=False),
    sa.Column('valor', sa.Text(), nullable=False),
    sa.Column('atualizado_em', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('chave', name=op.f('pk_configuracoes')),
    **TABLE)

    op.create_table('convites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hash', _binary(64), nullable=False),
    sa.Column('email', _binary(255), nullable=True),
    sa.Column('criado_por', sa.Integer(), nullable=True),
    sa.Column('criado_em', sa.DateTime(), nullable=False),
    sa.Column('expira_em', sa.DateTime(), nullable=False),
    sa.Column('usado_em', sa.DateTime(), nullable=True),
    sa.Column('usado_por', sa.Integer(), nullable=True),
    sa.Column('revogado_em', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['criado_por'], ['usuarios.id'],
                            name=op.f('fk_convites_criado_por_usuarios'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['usado_por'], ['usuarios.id'],
                            name=op.f('fk_convites_usado_por_usuarios'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_convites')),
    sa.UniqueConstraint('hash', name=op.f('uq_convites_hash')),
    **TABLE)
    with op.batch_alter_table('convites', schema=None) as batch_op:
        batch_op.create_index('ix_convites_criado_por', ['criado_por'], unique=False)
        batch_op.create_index('ix_convites_usado_por', ['usado_por'], unique=False)

    op.create_table('auditoria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quando', sa.DateTime(), nullable=False),
    sa.Column('acao', sa.String(length=48), nullable=False),
    sa.Column('ator_id', sa.Integer(), nullable=True),
    sa.Column('alvo', sa.String(length=255), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=False),
    sa.Column('detalhes', sa.String(length=1000), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auditoria')),
    **TABLE)
    with op.batch_alter_table('auditoria', schema=None) as batch_op:
        batch_op.create_index('ix_auditoria_quando', ['quando'], unique=False)
        batch_op.create_index('ix_auditoria_acao_quando', ['acao', 'quando'], unique=False)
        batch_op.create_index('ix_auditoria_ator_id', ['ator_id'], unique=False)

    with op.batch_alter_table('usuarios', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cota_arquivos', sa.Integer(), nullable=True))
    with op.batch_alter_table('arquivos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verificacao', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('arquivos', schema=None) as batch_op:
        batch_op.drop_column('verificacao')
    with op.batch_alter_table('usuarios', schema=None) as batch_op:
        batch_op.drop_column('cota_arquivos')
    op.drop_table('auditoria')
    op.drop_table('convites')
    op.drop_table('configuracoes')
