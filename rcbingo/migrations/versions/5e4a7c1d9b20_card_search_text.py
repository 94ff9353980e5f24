"""card search text: the practice line and story folded for the stories search

Revision ID: 5e4a7c1d9b20
Revises: c0f1a7e2b9d4
Create Date: 2026-12-07 17:55:00.000000

"""
import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5e4a7c1d9b20'
down_revision = 'c0f1a7e2b9d4'
branch_labels = None
depends_on = None


def _folded(text: str) -> str:
    # As rcbingo.org.service.folded was when this migration was written (a migration keeps its own copy).
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def upgrade():
    # Plain ALTER TABLE, not a batch: on SQLite a batch copies `card` and drops the old table, and with foreign keys
    # on, dropping it deletes every card's nominees, dimensions and credits (ON DELETE CASCADE).
    op.add_column('card', sa.Column('search_text', sa.Text(), server_default='', nullable=False))
    card = sa.table('card', sa.column('id', sa.Integer), sa.column('practice', sa.String),
                    sa.column('story', sa.Text), sa.column('search_text', sa.Text))
    connection = op.get_bind()
    last = 0
    while True:  # a thousand cards at a time
        rows = connection.execute(sa.select(card.c.id, card.c.practice, card.c.story).where(card.c.id > last)
                                  .order_by(card.c.id).limit(1000)).all()
        if not rows:
            break
        connection.execute(card.update().where(card.c.id == sa.bindparam('card_id')).values(
            search_text=sa.bindparam('text')), [
            {'card_id': id_, 'text': _folded(f"{practice or ''}\n{story or ''}")} for id_, practice, story in rows])
        last = rows[-1][0]


def downgrade():
    op.drop_column('card', 'search_text')  # plain ALTER TABLE again (SQLite 3.35 or newer), for the same reason
