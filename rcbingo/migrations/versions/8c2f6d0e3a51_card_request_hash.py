"""card request hash: an API Idempotency-Key sent again with another body is refused

Revision ID: 8c2f6d0e3a51
Revises: 5e4a7c1d9b20
Create Date: 2026-12-07 18:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '8c2f6d0e3a51'
down_revision = '5e4a7c1d9b20'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE, not a batch: on SQLite a batch copies `card` and drops the old table, and with foreign keys
    # on, dropping it deletes every card's nominees, dimensions and credits (ON DELETE CASCADE).
    op.add_column('card', sa.Column('request_hash', sa.String(length=64), nullable=True))


def downgrade():
    op.drop_column('card', 'request_hash')  # plain ALTER TABLE again (SQLite 3.35 or newer), for the same reason
