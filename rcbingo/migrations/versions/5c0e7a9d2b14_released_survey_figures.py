"""released survey figures: a wave's figures are computed once, when it closes, and kept

Revision ID: 5c0e7a9d2b14
Revises: 8c2f6d0e3a51
Create Date: 2026-12-07 17:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c0e7a9d2b14'
down_revision = '8c2f6d0e3a51'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE, not a batch: on SQLite a batch copies `wave` and drops the old table, and with foreign
    # keys on, dropping it deletes every answer of every wave (ON DELETE CASCADE). Waves closed before this
    # release their figures once, the first time they are read.
    op.add_column('wave', sa.Column('released', sa.Text(), nullable=True))


def downgrade():
    op.drop_column('wave', 'released')  # plain ALTER TABLE again (SQLite 3.35 or newer), for the same reason
