"""identity: tokens_api (personal API tokens), codigos_recuperacao (two-step recovery
codes), chaves_acesso (passkeys), identidades_externas (OpenID Connect identities),
desafios (single-use sign-in steps), usuarios.totp_* (two-step sign-in), sessoes.metodo
(how a session signed in)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 06:53:10.674655

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def _binary(length):
    binary = mysql.VARCHAR(collation='utf8mb4_bin', length=length)
    return sa.String(length=length).with_variant(binary, 'mariadb').with_variant(binary, 'mysql')


def upgrade():
    op.create_table('chaves_acesso',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('usuario_id', sa.Integer(), nullable=False),
    sa.Column('nome', sa.String(length=100), nullable=False),
    sa.Column('credencial', sa.Text(), nullable=False),
    sa.Column('credencial_hash', _binary(64), nullable=False),
    sa.Column('chave_publica', sa.Text(), nullable=False),
    sa.Column('contador', sa.BigInteger(), nullable=False),
    sa.Column('transportes', sa.String(length=255), nullable=False),
    sa.Column('criado_em', sa.DateTime(), nullable=False),
    sa.Column('ultimo_uso_em', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['usuario_id'], ['usuarios.id'], name=op.f('fk_chaves_acesso_usuario_id_usuarios'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chaves_acesso')),
    sa.UniqueConstraint('credencial_hash', name=op.f('uq_chaves_acesso_credencial_hash')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('chaves_acesso', schema=None) as batch_op:
        batch_op.create_index('ix_chaves_acesso_usuario_id', ['usuario_id'], unique=False)

    op.create_table('codigos_recuperacao',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('usuario_id', sa.Integer(), nullable=False),
    sa.Column('hash', _binary(64), nullable=False),
    sa.Column('usado_em', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['usuario_id'], ['usuarios.id'], name=op.f('fk_codigos_recuperacao_usuario_id_usuarios'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_codigos_recuperacao')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('codigos_recuperacao', schema=None) as batch_op:
        batch_op.create_index('ix_codigos_recuperacao_usuario_id', ['usuario_id'], unique=False)

    op.create_table('desafios',
    sa.Column('hash', _binary(64), nullable=False),
    sa.Column('finalidade', sa.String(length=24), nullable=False),
    sa.Column('usuario_id', sa.Integer(), nullable=True),
    sa.Column('dados', sa.Text(), nullable=False),
    sa.Column('criado_em', sa.DateTime(), nullable=False),
    sa.Column('expira_em', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['usuario_id'], ['usuarios.id'], name=op.f('fk_desafios_usuario_id_usuarios'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('hash', name=op.f('pk_desafios')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('desafios', schema=None) as batch_op:
        batch_op.create_index('ix_desafios_expira_em', ['expira_em'], unique=False)
        batch_op.create_index('ix_desafios_usuario_id', ['usuario_id'], unique=False)

    op.create_table('identidades_externas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('usuario_id', sa.Integer(), nullable=False),
    sa.Column('emissor', _binary(255), nullable=False),
    sa.Column('sujeito', _binary(255), nullable=False),
    sa.Column('criado_em', sa.DateTime(), nullable=False),
    sa.Column('ultimo_login_em', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['usuario_id'], ['usuarios.id'], name=op.f('fk_identidades_externas_usuario_id_usuarios'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identidades_externas')),
    sa.UniqueConstraint('emissor', 'sujeito', name='uq_identidades_externas_emissor'),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('identidades_externas', schema=None) as batch_op:
        batch_op.create_index('ix_identidades_externas_usuario_id', ['usuario_id'], unique=False)

    op.create_table('tokens_api',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('usuario_id', sa.Integer(), nullable=False),
    sa.Column('nome', sa.String(length=100), nullable=False),
    sa.Column('inicio', _binary(24), nullable=False),
    sa.Column('hash', _binary(64), nullable=False),
    sa.Column('escopos', sa.String(length=255), nullable=False),
    sa.Column('sessao', _binary(64), nullable=True),
    sa.Column('criado_em', sa.DateTime(), nullable=False),
    sa.Column('expira_em', sa.DateTime(), nullable=True),
    sa.Column('ultimo_uso_em', sa.DateTime(), nullable=True),
    sa.Column('ultimo_ip', sa.String(length=45), nullable=True),
    sa.Column('revogado_em', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['usuario_id'], ['usuarios.id'], name=op.f('fk_tokens_api_usuario_id_usuarios'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tokens_api')),
    sa.UniqueConstraint('hash', name=op.f('uq_tokens_api_hash')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('tokens_api', schema=None) as batch_op:
        batch_op.create_index('ix_tokens_api_usuario_id', ['usuario_id'], unique=False)

    with op.batch_alter_table('sessoes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('metodo', sa.String(length=24), server_default='password', nullable=False))

    with op.batch_alter_table('usuarios', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_segredo', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('totp_confirmado_em', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('totp_ultimo_passo', sa.BigInteger(), nullable=True))



def downgrade():
    with op.batch_alter_table('usuarios', schema=None) as batch_op:
        batch_op.drop_column('totp_ultimo_passo')
        batch_op.drop_column('totp_confirmado_em')
        batch_op.drop_column('totp_segredo')

    with op.batch_alter_table('sessoes', schema=None) as batch_op:
        batch_op.drop_column('metodo')

    op.drop_table('tokens_api')
    op.drop_table('identidades_externas')
    op.drop_table('desafios')
    op.drop_table('codigos_recuperacao')
    op.drop_table('chaves_acesso')
