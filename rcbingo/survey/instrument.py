"""The default survey wording: our own plain-language items, one per dimension, about "people in this workgroup".

The published RC Survey wording is licensed by its owners and is not shipped: an organization that holds a
licence pastes its own wording on the survey wording page.
"""

from ..rc import N_

DEFAULT_LABELS = (N_("Never"), N_("Rarely"), N_("Sometimes"), N_("Often"), N_("Always"))

DEFAULT_ITEMS = {
    "shared_goals": N_("Do people in this workgroup act on the goals you share for the patient, "
                       "not only on their own role's goals?"),
    "shared_knowledge": N_("Do people in this workgroup understand how your work fits with theirs?"),
    "mutual_respect": N_("Do people in this workgroup show that they value the work you do?"),
    "frequent": N_("Do people in this workgroup keep in touch with you often enough about the patients you share?"),
    "timely": N_("Do people in this workgroup pass information to you in time for it to make a difference?"),
    "accurate": N_("Is the information people in this workgroup give you accurate?"),
    "problem_solving": N_("When something goes wrong, do people in this workgroup work on the fix with you "
                          "instead of looking for someone to blame?"),
}
