"""card search text with the nominees' names: the stories search finds a card by the people it recognises

Revision ID: 7b2e9c4f1a36
Revises: 7b3c9e2d4f10
Create Date: 2026-12-07 21:05:00.000000

"""
import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7b2e9c4f1a36'
down_revision = '7b3c9e2d4f10'
branch_labels = None
depends_on = None


def _folded(text: str) -> str:
    # As rcbingo.org.service.folded was when this migration was written (a migration keeps its own copy).
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def _refold(with_names: bool):
    """Card.search_text again for every card, a thousand at a time (data only: no table is altered)."""
    card = sa.table('card', sa.column('id', sa.Integer), sa.column('practice', sa.String),
                    sa.column('story', sa.Text), sa.column('search_text', sa.Text))
    nominee = sa.table('nominee', sa.column('card_id', sa.Integer), sa.column('position', sa.Integer),
                       sa.column('name', sa.String))
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(sa.select(card.c.id, card.c.practice, card.c.story).where(card.c.id > last)
                                  .order_by(card.c.id).limit(1000)).all()
        if not rows:
            break
        names: dict[int, list[str]] = {}
        if with_names:
            for card_id, name in connection.execute(
                    sa.select(nominee.c.card_id, nominee.c.name).where(nominee.c.card_id.in_([r[0] for r in rows]))
                    .order_by(nominee.c.card_id, nominee.c.position)):
                names.setdefault(card_id, []).append(name or '')
        connection.execute(card.update().where(card.c.id == sa.bindparam('card_id')).values(
            search_text=sa.bindparam('text')), [
            {'card_id': id_, 'text': _folded("\n".join([practice or '', story or '', *names.get(id_, [])]))}
            for id_, practice, story in rows])
        last = rows[-1][0]


def upgrade():
    _refold(with_names=True)


def downgrade():
    _refold(with_names=False)
