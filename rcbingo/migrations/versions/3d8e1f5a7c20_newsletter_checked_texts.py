"""newsletter checked texts: an editor's "I checked" for issue text the patient-information screen flags

Revision ID: 3d8e1f5a7c20
Revises: 5c0e7a9d2b14
Create Date: 2026-12-07 18:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3d8e1f5a7c20'
down_revision = '5c0e7a9d2b14'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE, not a batch (a batch would copy the tables on SQLite and cascade through their stories).
    # Issues drafted before this release have no check: a flagged text in a draft is screened again at publication.
    op.add_column('issue', sa.Column('checked_digest', sa.String(length=64), nullable=True))
    op.add_column('issue_story', sa.Column('checked_digest', sa.String(length=64), nullable=True))


def downgrade():
    op.drop_column('issue_story', 'checked_digest')
    op.drop_column('issue', 'checked_digest')
