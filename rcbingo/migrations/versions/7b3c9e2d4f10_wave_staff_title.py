"""wave staff title: the survey's title as staff see it, apart from the wave's internal name

Revision ID: 7b3c9e2d4f10
Revises: 3d8e1f5a7c20
Create Date: 2026-12-07 21:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7b3c9e2d4f10'
down_revision = '3d8e1f5a7c20'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE, not a batch: answers, codes and workgroups refer to the wave. Empty: the default title.
    op.add_column('wave', sa.Column('staff_title', sa.String(length=120), nullable=True))


def downgrade():
    op.drop_column('wave', 'staff_title')
