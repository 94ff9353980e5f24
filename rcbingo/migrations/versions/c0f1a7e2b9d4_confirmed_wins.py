"""confirmed wins: a win waits for a coordinator's confirmation where the unit says so

Revision ID: c0f1a7e2b9d4
Revises: e71a421a53cf
Create Date: 2026-12-07 17:50:00.000000

"""
from alembic import op
import sqlalchemy as sa

import rcbingo.database


# revision identifiers, used by Alembic.
revision = 'c0f1a7e2b9d4'
down_revision = 'e71a421a53cf'
branch_labels = None
depends_on = None


def upgrade():
    # Every unit confirms wins from now on, existing ones included; wins already declared stay announced.
    # Plain ALTER TABLE for `unit`, not a batch: on SQLite a batch copies the table and drops the old one, which every
    # unit's rows refer to (`win` is referred to by nothing: its batch may copy it).
    op.add_column('unit', sa.Column('confirm_wins', sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table('win', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmed_at', rcbingo.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('confirmed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_win_confirmed_by_id_account'), 'account', ['confirmed_by_id'],
                                    ['id'], ondelete='SET NULL')
    op.execute("UPDATE win SET confirmed_at = declared_at")


def downgrade():
    with op.batch_alter_table('win', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_win_confirmed_by_id_account'), type_='foreignkey')
        batch_op.drop_column('confirmed_by_id')
        batch_op.drop_column('confirmed_at')
    op.drop_column('unit', 'confirm_wins')  # plain ALTER TABLE again (SQLite 3.35 or newer), for the same reason
