"""folders and links to several things: pastas; arquivos.pasta_id and arquivos.crc32;
compartilhamentos.titulo, compartilhamentos.arquivo_id nullable; itens_compartilhamento

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

TABLE = {'mysql_charset': 'utf8mb4', 'mysql_collate': 'utf8mb4_unicode_ci',
         'mysql_engine': 'InnoDB'}


def upgrade():
    op.create_table('pastas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nome', sa.String(length=255), nullable=False),
    sa.Column('usuario_id', sa.Integer(), nullable=False),
    sa.Column('pasta_mae_id', sa.Integer(), nullable=True),
    sa.Column('criado_em', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['usuario_id'], ['usuarios.id'],
                            name=op.f('fk_pastas_usuario_id_usuarios'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pasta_mae_id'], ['pastas.id'],
                            name=op.f('fk_pastas_pasta_mae_id_pastas'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pastas')),
    **TABLE)
    with op.batch_alter_table('pastas', schema=None) as batch_op:
        batch_op.create_index('ix_pastas_usuario_id_pasta_mae_id', ['usuario_id', 'pasta_mae_id'],
                              unique=False)
        batch_op.create_index('ix_pastas_pasta_mae_id', ['pasta_mae_id'], unique=False)

    with op.batch_alter_table('arquivos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('crc32', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('pasta_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_arquivos_pasta_id', ['pasta_id'], unique=False)
        batch_op.create_foreign_key(op.f('fk_arquivos_pasta_id_pastas'), 'pastas',
                                    ['pasta_id'], ['id'], ondelete='CASCADE')

    with op.batch_alter_table('compartilhamentos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('titulo', sa.String(length=255), nullable=True))
        batch_op.alter_column('arquivo_id', existing_type=sa.Integer(), nullable=True)

    op.create_table('itens_compartilhamento',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('compartilhamento_id', sa.Integer(), nullable=False),
    sa.Column('arquivo_id', sa.Integer(), nullable=True),
    sa.Column('pasta_id', sa.Integer(), nullable=True),
    sa.Column('posicao', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['compartilhamento_id'], ['compartilhamentos.id'],
                            name=op.f('fk_itens_compartilhamento_compartilhamento_id_compartilhamentos'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['arquivo_id'], ['arquivos.id'],
                            name=op.f('fk_itens_compartilhamento_arquivo_id_arquivos'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pasta_id'], ['pastas.id'],
                            name=op.f('fk_itens_compartilhamento_pasta_id_pastas'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_itens_compartilhamento')),
    **TABLE)
    with op.batch_alter_table('itens_compartilhamento', schema=None) as batch_op:
        batch_op.create_index('ix_itens_compartilhamento_compartilhamento_id',
                              ['compartilhamento_id'], unique=False)
        batch_op.create_index('ix_itens_compartilhamento_arquivo_id', ['arquivo_id'],
                              unique=False)
        batch_op.create_index('ix_itens_compartilhamento_pasta_id', ['pasta_id'], unique=False)


def downgrade():
    op.drop_table('itens_compartilhamento')
    # Links to several things cannot survive without their items.
    op.execute('DELETE FROM compartilhamentos WHERE arquivo_id IS NULL')
    with op.batch_alter_table('compartilhamentos', schema=None) as batch_op:
        batch_op.alter_column('arquivo_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('titulo')
    with op.batch_alter_table('arquivos', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_arquivos_pasta_id_pastas'), type_='foreignkey')
        batch_op.drop_index('ix_arquivos_pasta_id')
        batch_op.drop_column('pasta_id')
        batch_op.drop_column('crc32')
    op.drop_table('pastas')
