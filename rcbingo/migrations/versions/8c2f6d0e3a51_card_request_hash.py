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
    with op.batch_alter_table('card', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_hash', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('card', schema=None) as batch_op:
        batch_op.drop_column('request_hash')
